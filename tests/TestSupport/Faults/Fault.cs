namespace KinesisGrains.Testing.Faults;

/// <summary>
/// What <see cref="FaultInjectingProxy"/> does to a request instead of (or before) forwarding it. The emulators never
/// throttle or fail, so these answers imitate the real service's (Kinesis JSON 1.1: HTTP 400/500 with a
/// <c>{"__type":...,"message":...}</c> body).
/// </summary>
public sealed class Fault
{
    /// <summary>Placeholder in a message, replaced by the request's <c>StreamName</c> (or <c>unknown</c>).</summary>
    public const string StreamNamePlaceholder = "{StreamName}";

    /// <summary>Placeholder in a message, replaced by the request's <c>ShardId</c> (or <c>unknown</c>; GetRecords only carries an iterator).</summary>
    public const string ShardIdPlaceholder = "{ShardId}";

    private Fault(string name, FaultKind kind, int statusCode = 0, string? errorType = null, string? message = null, TimeSpan hold = default)
    {
        Name = name;
        Kind = kind;
        StatusCode = statusCode;
        ErrorType = errorType;
        Message = message;
        Hold = hold;
    }

    /// <summary>HTTP 400 <c>ProvisionedThroughputExceededException</c>, worded like AWS.</summary>
    public static Fault Throttle { get; } = new(
        nameof(Throttle),
        FaultKind.Respond,
        400,
        "ProvisionedThroughputExceededException",
        $"Rate exceeded for shard {ShardIdPlaceholder} in stream {StreamNamePlaceholder} under account 000000000000.");

    /// <summary>HTTP 500 <c>{"__type":"InternalFailure"}</c>: a transient service failure clients retry.</summary>
    public static Fault InternalError { get; } = new(nameof(InternalError), FaultKind.Respond, 500, "InternalFailure");

    /// <summary>HTTP 500 with an empty body, as kinesis-local answers a garbage iterator.</summary>
    public static Fault EmptyServerError { get; } = new(nameof(EmptyServerError), FaultKind.Respond, 500);

    /// <summary>HTTP 400 <c>ExpiredIteratorException</c>, without waiting the real five minutes.</summary>
    public static Fault ExpiredIterator { get; } = new(
        nameof(ExpiredIterator),
        FaultKind.Respond,
        400,
        "ExpiredIteratorException",
        "Iterator expired. The iterator was created more than 300000 milliseconds ago (injected fault).");

    /// <summary>Drops the connection without answering, like a crashed or unreachable service.</summary>
    public static Fault Disconnect { get; } = new(nameof(Disconnect), FaultKind.Disconnect);

    /// <summary>What kind of fault this is.</summary>
    public FaultKind Kind { get; }

    /// <summary>Short name used in the proxy log, e.g. <c>Throttle</c> or <c>Delay(2000ms)</c>.</summary>
    public string Name { get; }

    /// <summary>HTTP status of a <see cref="FaultKind.Respond"/> fault; 0 otherwise.</summary>
    public int StatusCode { get; }

    /// <summary>The <c>__type</c> of the error body; <c>null</c> sends an empty body.</summary>
    public string? ErrorType { get; }

    /// <summary>The <c>message</c> of the error body, if any; may hold <see cref="StreamNamePlaceholder"/> and <see cref="ShardIdPlaceholder"/>.</summary>
    public string? Message { get; }

    /// <summary>How long a <see cref="FaultKind.Delay"/> fault holds the request before forwarding it.</summary>
    public TimeSpan Hold { get; }

    /// <summary>Holds the request for <paramref name="duration"/>, then forwards it; longer than a client's timeout simulates a hung service.</summary>
    public static Fault Delay(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return new Fault($"Delay({duration.TotalMilliseconds:0}ms)", FaultKind.Delay, hold: duration);
    }

    /// <summary>Answers with <paramref name="statusCode"/> and <c>{"__type":type,"message":message}</c> (an empty body when <paramref name="type"/> is <c>null</c>).</summary>
    public static Fault Custom(int statusCode, string? type, string? message = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (type is null && message is not null)
        {
            throw new ArgumentException("A message needs an error type: the body is empty without one.", nameof(message));
        }

        return new Fault($"Custom({statusCode} {type ?? "empty"})", FaultKind.Respond, statusCode, type, message);
    }

    public override string ToString() => Name;
}
