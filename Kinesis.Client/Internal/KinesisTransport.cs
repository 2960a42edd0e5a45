using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Kinesis.Client;

/// <summary>Sends one JSON 1.1 call: serialize, sign, send with a per-attempt timeout, retry transient failures, map errors.</summary>
internal sealed partial class KinesisTransport : IDisposable
{
    public const string TargetPrefix = "Kinesis_20131202.";
    public const string InvalidResponseErrorCode = "InvalidResponse";
    private static readonly MediaTypeHeaderValue s_contentType = new("application/x-amz-json-1.1");

    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly KinesisClientOptions _options;
    private readonly Uri _endpoint;
    private readonly KinesisCredentialsProvider _credentials;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public KinesisTransport(KinesisClientOptions options, HttpClient httpClient, bool ownsHttpClient, ILogger? logger, TimeProvider? timeProvider = null)
    {
        _options = options;
        _endpoint = options.ResolveEndpoint();
        _httpClient = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _credentials = new KinesisCredentialsProvider(options);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public Uri Endpoint => _endpoint;

    public async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        CallPacer? pacer = null)
        where TResponse : class
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var response = await SendCoreAsync(operation, body, responseType, pacer, cancellationToken).ConfigureAwait(false);
        return response ?? throw new KinesisException(operation, InvalidResponseErrorCode, null, "The response body was empty or null.");
    }

    public async Task SendAsync<TRequest>(string operation, TRequest request, JsonTypeInfo<TRequest> requestType, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        await SendCoreAsync<object>(operation, body, responseType: null, pacer: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<TResponse?> SendCoreAsync<TResponse>(
        string operation,
        byte[] body,
        JsonTypeInfo<TResponse>? responseType,
        CallPacer? pacer,
        CancellationToken cancellationToken)
        where TResponse : class
    {
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            Exception? networkError;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    using var message = await CreateRequestAsync(operation, body, cancellationToken).ConfigureAwait(false);
                    pacer?.OnAttempt();
                    using var response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return responseType is null ? null : await ReadResponseAsync(operation, response, responseType, timeout.Token).ConfigureAwait(false);
                    }

                    var errorBody = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                    var error = KinesisErrorParser.Parse(
                        operation,
                        response.StatusCode,
                        FirstHeader(response, KinesisErrorParser.ErrorTypeHeader),
                        FirstHeader(response, KinesisErrorParser.RequestIdHeader),
                        errorBody);
                    if (!KinesisErrorParser.IsTransient(error) || attempt >= _options.MaxAttempts)
                    {
                        throw error;
                    }

                    failure = error.ErrorCode;
                    networkError = null;
                }
                catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = Describe(exception);
                    networkError = exception;
                }
                catch (IOException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The connection broke while the body was read.
                    failure = exception.Message;
                    networkError = exception;
                }
                catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = $"no response within {_options.RequestTimeout.TotalSeconds:0.###} s";
                    networkError = exception;
                }
            }

            if (attempt >= _options.MaxAttempts)
            {
                throw new KinesisUnavailableException(operation, _endpoint, failure, attempt, networkError);
            }

            var delay = RetryBackoff.Delay(attempt, _options.RetryBaseDelay, _options.MaxRetryDelay, Random.Shared);
            if (pacer?.UntilNextAttempt() is { } paced && paced > delay)
            {
                delay = paced;
            }

            LogRetry(_logger, operation, attempt, _options.MaxAttempts, failure, delay.TotalMilliseconds);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends one call whose response is an event stream (SubscribeToShard) over HTTP/2, exactly: HTTP/1.1 is not
    /// supported for it and can misdeliver records. Returns once the response headers are in; the body is the caller's
    /// to read and dispose. No retries: the caller resubscribes from its own position. The per-attempt timeout covers
    /// the headers only, since the body flows for minutes.
    /// </summary>
    public async Task<HttpResponseMessage> OpenEventStreamAsync<TRequest>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        using var message = await CreateRequestAsync(operation, body, cancellationToken).ConfigureAwait(false);

        // Exact 2.0: on http:// this is prior-knowledge h2c (kinesis-local), on https:// h2 by ALPN.
        message.Version = System.Net.HttpVersion.Version20;
        message.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KinesisUnavailableException(operation, _endpoint, Describe(exception), 1, exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KinesisUnavailableException(operation, _endpoint, $"no response within {_options.RequestTimeout.TotalSeconds:0.###} s", 1, exception);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var errorBody = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            throw KinesisErrorParser.Parse(
                operation,
                response.StatusCode,
                FirstHeader(response, KinesisErrorParser.ErrorTypeHeader),
                FirstHeader(response, KinesisErrorParser.RequestIdHeader),
                errorBody);
        }
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        // Credentials are asked for on every attempt: the default chain may have rotated them.
        var credentials = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = s_contentType;
        var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation(SigV4RequestSigner.TargetHeader, TargetPrefix + operation);
        SigV4RequestSigner.Sign(message, body, credentials, _options.Region, _timeProvider.GetUtcNow().UtcDateTime);
        return message;
    }

    private static async Task<TResponse> ReadResponseAsync<TResponse>(
        string operation,
        HttpResponseMessage response,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, responseType, cancellationToken).ConfigureAwait(false)
                    ?? throw new KinesisException(operation, InvalidResponseErrorCode, response.StatusCode, "The response body was null.");
            }
            catch (JsonException exception)
            {
                throw new KinesisException(operation, InvalidResponseErrorCode, response.StatusCode, "The response body could not be read: " + exception.Message, exception);
            }
        }
    }

    private static string? FirstHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>The innermost socket error says it best ("Connection refused"); HttpClient's own message adds the address.</summary>
    private static string Describe(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socketException)
            {
                return socketException.Message;
            }
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "name resolution failed",
            HttpRequestError.ConnectionError => "connection failed",
            HttpRequestError.SecureConnectionError => "TLS handshake failed",
            _ => exception.Message,
        };
    }

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kinesis {Operation} attempt {Attempt}/{MaxAttempts} failed ({Failure}); retrying in {DelayMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string operation, int attempt, int maxAttempts, string failure, double delayMs);
}
