using System.Net.Http.Json;
using System.Text.Json;

namespace KinesisGrains.Cli.Status;

/// <summary>Reads a silo's <c>GET /status</c> document as it is, so fields added to it later pass through <c>--json</c>.</summary>
internal sealed class SiloStatusReader(Uri silo) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    // A base URL without a trailing slash would lose its last segment when "status" is resolved against it.
    public Uri StatusUrl { get; } = new(silo.AbsoluteUri.EndsWith('/') ? silo : new Uri(silo.AbsoluteUri + "/"), "status");

    /// <exception cref="CliException">The silo did not answer, answered with an error, or not with a JSON object.</exception>
    public async Task<JsonElement> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(StatusUrl, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw CliException.Runtime($"the silo at {StatusUrl} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            var status = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return status.ValueKind == JsonValueKind.Object
                ? status
                : throw CliException.Runtime($"the silo at {StatusUrl} did not answer with a JSON object.");
        }
        catch (HttpRequestException exception)
        {
            throw CliException.Runtime($"cannot reach the silo at {StatusUrl}: {KgrainsCli.Sentence(exception.Message)}", exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw CliException.Runtime($"the silo at {StatusUrl} did not answer within {_http.Timeout.TotalSeconds:F0} s.", exception);
        }
        catch (JsonException exception)
        {
            throw CliException.Runtime($"the silo at {StatusUrl} answered with invalid JSON: {KgrainsCli.Sentence(exception.Message)}", exception);
        }
    }

    public void Dispose() => _http.Dispose();
}
