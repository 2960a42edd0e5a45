using System.Diagnostics;

namespace KinesisGrains.Testing.Faults;

/// <summary>
/// One request's passage through <see cref="FaultInjectingProxy"/>. Its log entry is written once, as soon as the
/// outcome is known and before the answer's body is sent, so a test finds it in the log once its call returns.
/// </summary>
internal sealed class ProxyExchange(string operation, Fault? fault, Action<ProxyLogEntry> record)
{
    private readonly DateTimeOffset _arrived = DateTimeOffset.UtcNow;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _recorded;

    public string Operation => operation;

    public Fault? Fault => fault;

    /// <summary>The status line is decided; the body follows.</summary>
    public void Answered(int statusCode) => Record(statusCode, error: null);

    /// <summary>No answer will be sent; ignored once an answer was recorded (a body cut short keeps its status).</summary>
    public void Failed(string error) => Record(statusCode: null, error);

    private void Record(int? statusCode, string? error)
    {
        if (_recorded)
        {
            return;
        }

        _recorded = true;
        record(new ProxyLogEntry(_arrived, operation, fault?.Name, statusCode, Stopwatch.GetElapsedTime(_started), error));
    }
}
