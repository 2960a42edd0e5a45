using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KinesisGrains.Benchmarks.Proxy;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of an emulator that counts what passes (by <c>X-Amz-Target</c> operation, and
/// by the JSON body's <c>TableName</c> for DynamoDB) and can hold every request for a fixed delay before forwarding it
/// (a slow S3). The benchmarks' own, smaller cousin of tests/TestSupport/Faults/FaultInjectingProxy.cs: same
/// forwarding (the client's Host header is kept, so SigV4 signatures still match), no faults.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private const string TargetHeader = "X-Amz-Target";

    private static readonly HashSet<string> s_notForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Host",
    };

    private readonly string _targetBase;
    private readonly HttpClient _forwarder;
    private readonly WebApplication _app;
    private readonly TimeSpan _delay;
    private readonly bool _readTableNames;
    private ConcurrentDictionary<string, long> _operations = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, long> _tables = new(StringComparer.Ordinal);
    private Uri? _endpoint;

    private CountingProxy(Uri target, TimeSpan delay, bool readTableNames)
    {
        _targetBase = target.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _delay = delay;
        _readTableNames = readTableNames;
        _forwarder = new HttpClient(
            new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ActivityHeadersPropagator = null,
            },
            disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = null;
        });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException("The proxy has not started.");

    /// <param name="delay">Held before each request is forwarded (zero: none).</param>
    /// <param name="readTableNames">Buffers each body to count by its JSON <c>TableName</c> (DynamoDB; small bodies).</param>
    public static async Task<CountingProxy> StartAsync(Uri target, TimeSpan delay = default, bool readTableNames = false)
    {
        var proxy = new CountingProxy(target, delay, readTableNames);
        await proxy._app.StartAsync();
        var addresses = proxy._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        proxy._endpoint = new Uri(addresses.Addresses.Single());
        return proxy;
    }

    /// <summary>Returns the counts since the previous call (or the start) and starts counting again from zero.</summary>
    public (IReadOnlyDictionary<string, long> Operations, IReadOnlyDictionary<string, long> Tables) TakeCounts()
    {
        var operations = Interlocked.Exchange(ref _operations, new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        var tables = Interlocked.Exchange(ref _tables, new ConcurrentDictionary<string, long>(StringComparer.Ordinal));
        return (operations, tables);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _forwarder.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string target = request.Headers[TargetHeader].ToString();
        var operation = target.Length == 0 ? request.Method : target[(target.LastIndexOf('.') + 1)..];
        _operations.AddOrUpdate(operation, 1, (_, n) => n + 1);

        byte[]? body = null;
        if (_readTableNames && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
            var table = TableNameOf(body) ?? "-";
            _tables.AddOrUpdate($"{table} {operation}", 1, (_, n) => n + 1);
        }

        if (_delay > TimeSpan.Zero)
        {
            await Task.Delay(_delay, context.RequestAborted);
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            rawTarget = request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        }

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), _targetBase + rawTarget);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }
        else if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (!s_notForwarded.Contains(name) && !message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // SigV4 signs the Host header: keep the client's.
        message.Headers.Host = request.Host.Value;
        try
        {
            using var answer = await _forwarder.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (!s_notForwarded.Contains(name))
                {
                    response.Headers[name] = values.ToArray();
                }
            }

            await using var stream = await answer.Content.ReadAsStreamAsync(context.RequestAborted);
            await stream.CopyToAsync(response.Body, context.RequestAborted);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            context.Abort();
        }
    }

    private static string? TableNameOf(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("TableName", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
