using System.Net;

namespace KinesisGrains.Kinesis.Client;

/// <summary>A Kinesis call failed; <see cref="ErrorCode"/> is the service's error type without namespace prefixes.</summary>
public class KinesisException : Exception
{
    /// <summary>A failed call of <paramref name="operation"/> with the service's <paramref name="errorCode"/> and message.</summary>
    public KinesisException(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage, Exception? innerException = null)
        : this(operation, errorCode, statusCode, serviceMessage, FormatMessage(operation, errorCode, statusCode, serviceMessage), innerException)
    {
    }

    /// <summary>For subclasses that word the message themselves.</summary>
    protected KinesisException(
        string operation,
        string errorCode,
        HttpStatusCode? statusCode,
        string? serviceMessage,
        string message,
        Exception? innerException)
        : base(message, innerException)
    {
        Operation = operation;
        ErrorCode = errorCode;
        StatusCode = statusCode;
        ServiceMessage = serviceMessage;
    }

    /// <summary>The API operation, e.g. <c>GetRecords</c>.</summary>
    public string Operation { get; }

    /// <summary>E.g. <c>ResourceNotFoundException</c>, or <c>InternalFailure</c> for a 5xx without a body.</summary>
    public string ErrorCode { get; }

    /// <summary>The HTTP status of the response; <c>null</c> when none arrived.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The service's own message, if it sent one.</summary>
    public string? ServiceMessage { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the failed response, for AWS support.</summary>
    public string? RequestId { get; internal set; }

    private static string FormatMessage(string operation, string errorCode, HttpStatusCode? statusCode, string? serviceMessage)
    {
        var status = statusCode is { } code ? $" (HTTP {(int)code})" : "";
        return string.IsNullOrEmpty(serviceMessage)
            ? $"Kinesis {operation} failed with {errorCode}{status}."
            : $"Kinesis {operation} failed with {errorCode}{status}: {serviceMessage}";
    }
}
