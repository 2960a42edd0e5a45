namespace KinesisGrains.Runtime.Streams;

/// <summary>
/// What a queue adapter receiver hands its records to. When the returned task completes, every record of the batch
/// is durable in grain state (or in the dead-letter queue), so the source may checkpoint past it.
/// </summary>
public interface IStreamBatchProcessor
{
    Task<StreamBatchSummary> ProcessAsync(string shardId, IReadOnlyList<StreamRecord> records, CancellationToken cancellationToken);
}

/// <summary>Counts of what happened to one micro-batch.</summary>
public readonly record struct StreamBatchSummary(int Records, int Applied, int SkippedAsDuplicate, int DeadLettered);
