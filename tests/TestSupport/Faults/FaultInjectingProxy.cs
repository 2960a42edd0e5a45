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

namespace KinesisGrains.Testing.Faults;

/// <summary>
/// An HTTP proxy on 127.0.0.1 that forwards every request to a real emulator, except the ones a rule picks for a
/// <see cref="Fault"/>. The emulators never throttle or fail, so tests point a client at <see cref="Endpoint"/> to
/// see how it copes with throttling, service errors, expired iterators, hangs and dropped connections.
/// </summary>
/// <remarks>
/// Rules are per operation (the part of <c>X-Amz-Target</c> after the dot, e.g. <c>GetRecords</c>; the whole target
/// is accepted too) or for <see cref="AnyOperation"/>. Counted rules (<see cref="Inject"/>) are used up in the order
/// they were added; schedules (<see cref="InjectEvery"/>) fire on every Nth request. Thread-safe.
/// </remarks>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    /// <summary>Matches every operation in rules and sums over all operations in counts.</summary>
    public const string AnyOperation = "*";

    /// <summary>The operation of a request without an <c>X-Amz-Target</c> header.</summary>
    public const string NoOperation = "-";

    public const int DefaultLogCapacity = 10_000;

    private const string TargetHeader = "X-Amz-Target";

    // Hop-by-hop headers describe one connection and are never forwarded (RFC 9110 §7.6.1). Host is set apart;
    // Expect is left to the forwarding client, which handles 100-continue itself.
    private static readonly HashSet<string> s_notForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
        "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Host",
    };

    private readonly Lock _lock = new();
    private readonly FaultRules _rules = new();
    private readonly ProxyTraffic _traffic;
    private readonly string _targetBase;
    private readonly HttpClient _forwarder;
    private readonly WebApplication _app;

    // Cancelled on dispose, so that held and in-flight requests end at once instead of delaying shutdown.
    private readonly CancellationTokenSource _stopping = new();
    private Uri? _endpoint;
    private int _disposed;

    private FaultInjectingProxy(Uri target, int logCapacity)
    {
        Target = target;
        _targetBase = target.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _traffic = new ProxyTraffic(logCapacity);
        _forwarder = new HttpClient(
            new SocketsHttpHandler
            {
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(5),

                // No traceparent headers: the target should get exactly what the client sent.
                ActivityHeadersPropagator = null,
            },
            disposeHandler: true)
        {
            // The client's own timeout governs; when it gives up, the aborted request cancels the forward.
            Timeout = Timeout.InfiniteTimeSpan,
        };

        // The empty builder has no logging providers and no configuration sources: Kestrel stays silent in test output.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            options.AddServerHeader = false;

            // The target decides what is too large (kinesalite answers 413 above 7 MiB); the proxy must not.
            options.Limits.MaxRequestBodySize = null;
        });
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));
        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Where clients should send requests, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Endpoint => _endpoint ?? throw new InvalidOperationException("The proxy has not started.");

    /// <summary>Where requests are forwarded to.</summary>
    public Uri Target { get; }

    /// <summary>
    /// The requests whose outcome is known, in that order (at most the log capacity given to <see cref="StartAsync"/>,
    /// newest kept). A request answered is logged before its answer goes out; one the client gave up on is logged
    /// when the proxy notices, which can be a moment after the client's call failed.
    /// </summary>
    public IReadOnlyList<ProxyLogEntry> Log
    {
        get
        {
            lock (_lock)
            {
                return _traffic.Log();
            }
        }
    }

    /// <summary>Starts a proxy to <paramref name="target"/> on a free port of 127.0.0.1.</summary>
    public static async Task<FaultInjectingProxy> StartAsync(Uri target, int logCapacity = DefaultLogCapacity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.IsAbsoluteUri || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The target must be an absolute http or https URI (got '{target}').", nameof(target));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(logCapacity, 1);
        var proxy = new FaultInjectingProxy(target, logCapacity);
        try
        {
            await proxy._app.StartAsync(cancellationToken).ConfigureAwait(false);
            var addresses = proxy._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
            proxy._endpoint = new Uri(addresses.Addresses.Single());
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next <paramref name="times"/> requests of <paramref name="operation"/> (or <see cref="AnyOperation"/>) get <paramref name="fault"/>, after the rules added before.</summary>
    public void Inject(string operation, Fault fault, int times = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_lock)
        {
            _rules.AddCounted(OperationOf(operation), fault, times);
        }
    }

    /// <summary>Every <paramref name="every"/>th request of <paramref name="operation"/> from now on gets <paramref name="fault"/>, until <see cref="ClearFaults"/>.</summary>
    /// <remarks>Counting starts at this call; a pending <see cref="Inject"/> rule takes precedence when both would fire.</remarks>
    public void InjectEvery(string operation, int every, Fault fault)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        lock (_lock)
        {
            _rules.AddEvery(OperationOf(operation), every, fault);
        }
    }

    /// <summary>Removes every rule; later requests are forwarded untouched. Counts and log are kept.</summary>
    public void ClearFaults()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>Requests of <paramref name="operation"/> that arrived (faulted or not); <see cref="AnyOperation"/> sums all.</summary>
    public int Count(string operation)
    {
        lock (_lock)
        {
            return _traffic.SeenCount(OperationOf(operation));
        }
    }

    /// <summary>Requests of <paramref name="operation"/> that got a fault (delays included).</summary>
    public int FaultsInjected(string operation)
    {
        lock (_lock)
        {
            return _traffic.FaultedCount(OperationOf(operation));
        }
    }

    /// <summary>Requests of <paramref name="operation"/> sent on to the target (delayed ones included, once sent).</summary>
    public int Forwarded(string operation)
    {
        lock (_lock)
        {
            return _traffic.ForwardedCount(OperationOf(operation));
        }
    }

    /// <summary>Stops listening; requests still held or in flight are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_endpoint is not null)
            {
                await _app.StopAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _forwarder.Dispose();
        }
    }

    /// <summary><c>Kinesis_20131202.GetRecords</c> gives <c>GetRecords</c>; also applied to the names tests pass, so either form works.</summary>
    internal static string OperationOf(string? target)
    {
        if (string.IsNullOrWhiteSpace(target))
        {
            return NoOperation;
        }

        var dot = target.LastIndexOf('.');
        return dot >= 0 && dot < target.Length - 1 ? target[(dot + 1)..].Trim() : target.Trim();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var operation = OperationOf(context.Request.Headers[TargetHeader]);
        Fault? fault;
        lock (_lock)
        {
            _traffic.Seen(operation);
            fault = _rules.Next(operation);
            if (fault is not null)
            {
                _traffic.Faulted(operation);
            }
        }

        var exchange = new ProxyExchange(operation, fault, Record);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            switch (fault?.Kind)
            {
                case FaultKind.Respond:
                    await RespondAsync(context, exchange, fault, cancel.Token).ConfigureAwait(false);
                    break;
                case FaultKind.Disconnect:
                    exchange.Failed("disconnected");
                    context.Abort();
                    break;
                case FaultKind.Delay:
                    await Task.Delay(fault.Hold, cancel.Token).ConfigureAwait(false);
                    await ForwardAsync(context, exchange, cancel.Token).ConfigureAwait(false);
                    break;
                default:
                    await ForwardAsync(context, exchange, cancel.Token).ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException
            || (exception is OperationCanceledException && cancel.IsCancellationRequested))
        {
            // Dropping the connection keeps the proxy transparent: a client sees the network failure it would see
            // talking to the target directly, not an error answer the target never gave.
            exchange.Failed(
                _stopping.IsCancellationRequested ? "proxy stopped"
                : context.RequestAborted.IsCancellationRequested ? "client gave up"
                : "target failed: " + exception.Message);
            context.Abort();
        }
    }

    private void Record(ProxyLogEntry entry)
    {
        lock (_lock)
        {
            _traffic.Record(entry);
        }
    }

    private async Task ForwardAsync(HttpContext context, ProxyExchange exchange, CancellationToken cancellationToken)
    {
        var request = context.Request;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), TargetUri(context));
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
        {
            // Streamed, not buffered: PutRecords bodies reach several MiB.
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (!s_notForwarded.Contains(name) && !message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        // SigV4 signs the Host header: keep the client's, so the signature still matches what arrives.
        message.Headers.Host = request.Host.Value;

        lock (_lock)
        {
            _traffic.Forwarded(exchange.Operation);
        }

        using var answer = await _forwarder.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var response = context.Response;
        response.StatusCode = (int)answer.StatusCode;
        CopyHeaders(answer.Headers, response.Headers);
        CopyHeaders(answer.Content.Headers, response.Headers);
        exchange.Answered(response.StatusCode);
        var body = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await body.CopyToAsync(response.Body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RespondAsync(HttpContext context, ProxyExchange exchange, Fault fault, CancellationToken cancellationToken)
    {
        // Read the whole request first: an answer sent mid-upload can reach the client as a reset instead.
        using var requestBody = new MemoryStream();
        await context.Request.Body.CopyToAsync(requestBody, cancellationToken).ConfigureAwait(false);

        var response = context.Response;
        response.StatusCode = fault.StatusCode;
        response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var payload = fault.ErrorType is null ? [] : ErrorBody(fault.ErrorType, FillPlaceholders(fault.Message, requestBody));
        if (payload.Length > 0)
        {
            response.ContentType = "application/x-amz-json-1.1";
        }

        response.ContentLength = payload.Length;
        exchange.Answered(fault.StatusCode);
        await response.Body.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
    }

    private static byte[] ErrorBody(string type, string? message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("__type", type);
            if (message is not null)
            {
                writer.WriteString("message", message);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Puts the request's stream and shard into the message, so that a throttle reads like AWS's.</summary>
    private static string? FillPlaceholders(string? message, MemoryStream requestBody)
    {
        if (message is null || (!message.Contains(Fault.StreamNamePlaceholder, StringComparison.Ordinal) && !message.Contains(Fault.ShardIdPlaceholder, StringComparison.Ordinal)))
        {
            return message;
        }

        string? streamName = null;
        string? shardId = null;
        try
        {
            using var document = JsonDocument.Parse(requestBody.GetBuffer().AsMemory(0, (int)requestBody.Length));
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                streamName = StringProperty(document.RootElement, "StreamName");
                shardId = StringProperty(document.RootElement, "ShardId");
            }
        }
        catch (JsonException)
        {
            // Not JSON (a test sending garbage): the placeholders become "unknown".
        }

        return message
            .Replace(Fault.StreamNamePlaceholder, streamName ?? "unknown", StringComparison.Ordinal)
            .Replace(Fault.ShardIdPlaceholder, shardId ?? "unknown", StringComparison.Ordinal);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private string TargetUri(HttpContext context)
    {
        // The raw target keeps the client's exact path and query encoding.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            rawTarget = context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        }

        return _targetBase + rawTarget;
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders from, IHeaderDictionary to)
    {
        foreach (var (name, values) in from)
        {
            if (!s_notForwarded.Contains(name))
            {
                to[name] = values.ToArray();
            }
        }
    }
}
