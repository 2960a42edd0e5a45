using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Serialization;

namespace KinesisGrains.Client;

/// <summary>
/// Calls grains by key wherever they live: <c>client.GetGrain&lt;IUserActivity&gt;("user-42").GetSummaryAsync()</c>.
/// Thread-safe; create one per application.
/// </summary>
public sealed class GrainClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    public GrainClient(GrainClientOptions options, HttpMessageHandler? handler = null)
    {
        options.Validate();
        _ownsHttp = true;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = options.SiloEndpoint;
        _http.Timeout = options.CallTimeout;
    }

    public GrainClient(Uri siloEndpoint)
        : this(new GrainClientOptions { SiloEndpoint = siloEndpoint })
    {
    }

    /// <summary>A reference to the grain of <paramref name="key"/>; no call is made until a method is called.</summary>
    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return GrainProxy.Create<TGrainInterface>(this, key);
    }

    internal async Task<T> InvokeAsync<T>(Type grainInterface, string key, string method, object?[] arguments)
    {
        var path = $"grains/{Uri.EscapeDataString(GrainInterfaceName.Of(grainInterface))}/{Uri.EscapeDataString(key)}/{Uri.EscapeDataString(method)}";
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsJsonAsync(path, arguments, StateSerializer.Options);
        }
        catch (HttpRequestException exception)
        {
            throw new GrainCallException($"The silo at {_http.BaseAddress} could not be reached: {exception.Message}", exception);
        }
        catch (TaskCanceledException exception)
        {
            throw new GrainCallException($"The call {grainInterface.Name}.{method} on '{key}' timed out after {_http.Timeout}.", exception);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new GrainCallException(
                    $"{grainInterface.Name}.{method} on '{key}' failed ({(int)response.StatusCode} {response.StatusCode}): {await ReadErrorAsync(response)}");
            }

            if (typeof(T) == typeof(object) || response.StatusCode == HttpStatusCode.NoContent)
            {
                return default!;
            }

            return (await response.Content.ReadFromJsonAsync<T>(StateSerializer.Options))!;
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("error", out var error) ? error.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
