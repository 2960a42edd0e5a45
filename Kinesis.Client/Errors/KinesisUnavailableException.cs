namespace KinesisGrains.Kinesis.Client;

/// <summary>No response came from the endpoint (connection refused, DNS, timeouts) in any attempt.</summary>
public sealed class KinesisUnavailableException : KinesisException
{
    /// <summary>The <see cref="KinesisException.ErrorCode"/> of this exception: no answer came, not an error from the service.</summary>
    public const string UnavailableErrorCode = "EndpointUnavailable";

    /// <summary>No answer from <paramref name="endpoint"/> after <paramref name="attempts"/> attempts.</summary>
    public KinesisUnavailableException(string operation, Uri endpoint, string reason, int attempts, Exception? innerException = null)
        : base(
            operation,
            UnavailableErrorCode,
            statusCode: null,
            serviceMessage: null,
            $"Kinesis endpoint {endpoint} could not be reached ({reason}) after {attempts} attempt{(attempts == 1 ? "" : "s")} ({operation}).",
            innerException)
    {
        Endpoint = endpoint;
        Reason = reason;
        Attempts = attempts;
    }

    /// <summary>The endpoint that did not answer.</summary>
    public Uri Endpoint { get; }

    /// <summary>Why the last attempt failed, e.g. <c>Connection refused</c>.</summary>
    public string Reason { get; }

    /// <summary>How many attempts were made before giving up.</summary>
    public int Attempts { get; }
}
