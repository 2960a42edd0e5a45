namespace KinesisGrains.Kinesis.Client;

/// <summary>No response came from the endpoint (connection refused, DNS, timeouts) in any attempt.</summary>
public sealed class KinesisUnavailableException : KinesisException
{
    public const string UnavailableErrorCode = "EndpointUnavailable";

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

    public Uri Endpoint { get; }

    /// <summary>Why the last attempt failed, e.g. <c>Connection refused</c>.</summary>
    public string Reason { get; }

    public int Attempts { get; }
}
