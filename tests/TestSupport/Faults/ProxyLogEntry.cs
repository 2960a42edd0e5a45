namespace KinesisGrains.Testing.Faults;

/// <summary>One request that passed through <see cref="FaultInjectingProxy"/>, recorded once its outcome was known.</summary>
/// <param name="Time">When the request arrived.</param>
/// <param name="Operation">From <c>X-Amz-Target</c>, e.g. <c>GetRecords</c>; <see cref="FaultInjectingProxy.NoOperation"/> without one.</param>
/// <param name="Fault">The injected fault's name, or <c>null</c> for a request forwarded untouched.</param>
/// <param name="StatusCode">The status sent back; <c>null</c> when no answer was sent (see <paramref name="Error"/>).</param>
/// <param name="Elapsed">From arrival until the answer's status was known (a delay fault included) or the request failed.</param>
/// <param name="Error">Why no answer was sent: the client gave up, the target could not be reached, a disconnect fault.</param>
public sealed record ProxyLogEntry(DateTimeOffset Time, string Operation, string? Fault, int? StatusCode, TimeSpan Elapsed, string? Error)
{
    public override string ToString() =>
        $"{Time:HH:mm:ss.fff} {Operation} {Fault ?? "forwarded"} -> {(StatusCode is { } status ? status.ToString() : Error ?? "no answer")} ({Elapsed.TotalMilliseconds:0} ms)";
}
