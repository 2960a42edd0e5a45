using System.Net;
using System.Text.Json;

namespace KinesisGrains.Kinesis.Client;

/// <summary>Turns an error response into the matching <see cref="KinesisException"/>.</summary>
internal static class KinesisErrorParser
{
    public const string InternalFailure = "InternalFailure";
    public const string ErrorTypeHeader = "x-amzn-ErrorType";
    public const string RequestIdHeader = "x-amzn-RequestId";

    /// <summary>
    /// Like the AWS JS SDK: the code comes from the <c>x-amzn-ErrorType</c> header, else the body's <c>code</c>, else
    /// <c>__type</c>; the message from <c>message</c> or <c>Message</c> (kinesalite uses both). A body-less 5xx
    /// (kinesis-local's answer to a garbage iterator) becomes <c>InternalFailure</c>.
    /// </summary>
    public static KinesisException Parse(string operation, HttpStatusCode statusCode, string? errorTypeHeader, string? requestId, ReadOnlySpan<byte> body)
    {
        string? code = null;
        string? type = null;
        string? message = null;
        if (!body.IsEmpty)
        {
            try
            {
                using var document = JsonDocument.Parse(body.ToArray());
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in document.RootElement.EnumerateObject())
                    {
                        switch (property.Name)
                        {
                            case "code":
                                code ??= AsString(property.Value);
                                break;
                            case "__type":
                                type ??= AsString(property.Value);
                                break;
                            case "message":
                            case "Message":
                                message ??= AsString(property.Value);
                                break;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, kinesalite's empty 413): fall back to the status code below.
            }
        }

        var errorCode = SanitizeCode(errorTypeHeader) ?? SanitizeCode(code) ?? SanitizeCode(type)
            ?? ((int)statusCode >= 500 ? InternalFailure : $"Http{(int)statusCode}");
        var exception = Create(operation, errorCode, statusCode, message);
        exception.RequestId = requestId;
        return exception;
    }

    /// <summary>Keeps what is before ',' and ':' and after '#': <c>ns#Code</c> and <c>Code:http://...</c> both give <c>Code</c>.</summary>
    public static string? SanitizeCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var value = raw.AsSpan();
        var comma = value.IndexOf(',');
        if (comma >= 0)
        {
            value = value[..comma];
        }

        var colon = value.IndexOf(':');
        if (colon >= 0)
        {
            value = value[..colon];
        }

        var hash = value.IndexOf('#');
        if (hash >= 0)
        {
            value = value[(hash + 1)..];
        }

        value = value.Trim();
        return value.IsEmpty ? null : value.ToString();
    }

    public static KinesisException Create(string operation, string code, HttpStatusCode? statusCode, string? message) => code switch
    {
        "ResourceNotFoundException" => new KinesisResourceNotFoundException(operation, code, statusCode, message),
        "ProvisionedThroughputExceededException" => new KinesisProvisionedThroughputExceededException(operation, code, statusCode, message),
        "ExpiredIteratorException" => new KinesisExpiredIteratorException(operation, code, statusCode, message),
        "InvalidArgumentException" or "ValidationException" => new KinesisInvalidArgumentException(operation, code, statusCode, message),
        "LimitExceededException" => new KinesisLimitExceededException(operation, code, statusCode, message),
        "ResourceInUseException" => new KinesisResourceInUseException(operation, code, statusCode, message),
        "ExpiredNextTokenException" => new KinesisExpiredNextTokenException(operation, code, statusCode, message),
        _ => new KinesisException(operation, code, statusCode, message),
    };

    /// <summary>Failures worth another attempt: the service said it failed, not that the request was wrong.</summary>
    public static bool IsTransient(KinesisException exception) =>
        exception.StatusCode is { } status && (int)status >= 500
        || exception.ErrorCode is InternalFailure or "InternalFailureException" or "ServiceUnavailable" or "ServiceUnavailableException";

    private static string? AsString(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
}
