using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Control;

/// <summary>
/// A silo's forced checkpoint cycles, asked for by control command (a savepoint's barrier), by request id. The command
/// returns at once and the caller polls: a barrier that uploads large snapshots may last longer than a grain call may.
/// A forced cycle runs the barrier even if no checkpoint moved, after any cycle under way, so every partition then
/// holds in a committed snapshot everything this silo delivered before the request.
/// </summary>
internal sealed partial class ForcedCheckpoints(KinesisStreamContext context)
{
    /// <summary>Requests remembered for polling: far more than callers poll at once.</summary>
    private const int Remembered = 32;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ForcedCheckpointReport> _reports = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly ILogger _logger = context.Loggers.CreateLogger<ForcedCheckpoints>();

    public ForcedCheckpointReport Start(string requestId)
    {
        ForcedCheckpointReport report;
        lock (_lock)
        {
            // A start sent again (a retried call) waits for the same cycle.
            if (_reports.TryGetValue(requestId, out var known))
            {
                return known;
            }

            report = Blank(requestId, ForcedCheckpointState.Running) with { RequestedAt = context.Time.GetUtcNow() };
            if (context.Stopping)
            {
                // Its final checkpoints come with its receivers' shutdown; the caller asks the silos left.
                report = report with { State = ForcedCheckpointState.Failed, CompletedAt = report.RequestedAt, Error = $"silo {report.Silo} is stopping." };
            }

            _reports[requestId] = report;
            _order.Enqueue(requestId);
            while (_order.Count > Remembered)
            {
                _reports.Remove(_order.Dequeue());
            }
        }

        if (report.State == ForcedCheckpointState.Running)
        {
            LogStarted(_logger, requestId);
            _ = RunAsync(report);
        }

        return report;
    }

    public ForcedCheckpointReport StatusOf(string requestId)
    {
        lock (_lock)
        {
            return _reports.TryGetValue(requestId, out var report) ? report : Blank(requestId, ForcedCheckpointState.Unknown);
        }
    }

    private async Task RunAsync(ForcedCheckpointReport report)
    {
        // Off the control call's turn: it returns before the barrier starts.
        await Task.Yield();
        try
        {
            var cycle = await context.Checkpointer.CheckpointAsync(CancellationToken.None, force: true);
            report = report with { State = ForcedCheckpointState.Completed, CompletedAt = context.Time.GetUtcNow(), Cycle = cycle };
            LogCompleted(_logger, report.RequestId, cycle, (report.CompletedAt - report.RequestedAt)?.TotalMilliseconds ?? 0);
        }
        catch (Exception exception)
        {
            report = report with { State = ForcedCheckpointState.Failed, CompletedAt = context.Time.GetUtcNow(), Error = $"{exception.GetType().Name}: {exception.Message}" };
            LogFailed(_logger, report.RequestId, exception);
        }

        lock (_lock)
        {
            if (_reports.ContainsKey(report.RequestId))
            {
                _reports[report.RequestId] = report;
            }
        }
    }

    private ForcedCheckpointReport Blank(string requestId, ForcedCheckpointState state) =>
        new(requestId, context.LocalSilo?.ToString() ?? context.Options.WorkerId, context.Options.WorkerId, context.Options.ApplicationName, state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forced checkpoint cycle {RequestId} asked for: the barrier runs after any cycle under way")]
    private static partial void LogStarted(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forced checkpoint cycle {RequestId} completed as cycle {Cycle} in {ElapsedMs:F0} ms")]
    private static partial void LogCompleted(ILogger logger, string requestId, long? cycle, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forced checkpoint cycle {RequestId} failed; the checkpoints stay where they were")]
    private static partial void LogFailed(ILogger logger, string requestId, Exception exception);
}
