namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>The outcome for one Kinesis record.</summary>
/// <param name="RecordCount">User records appended to the output.</param>
/// <param name="DroppedRecordCount">Sub-records dropped by the shard-range rule (all of the aggregate's, or 0).</param>
/// <param name="Corruption">Set when <see cref="Outcome"/> is <see cref="DeaggregationOutcome.CorruptPassedThrough"/>.</param>
/// <param name="CorruptReason">A sentence for logs, naming the offending record or field.</param>
internal readonly record struct DeaggregationResult(
    DeaggregationOutcome Outcome,
    int RecordCount,
    int DroppedRecordCount = 0,
    KplCorruption Corruption = KplCorruption.None,
    string? CorruptReason = null)
{
    internal static DeaggregationResult Plain => new(DeaggregationOutcome.Plain, 1);

    internal static DeaggregationResult Aggregated(int count) => new(DeaggregationOutcome.Aggregated, count);

    internal static DeaggregationResult Dropped(int count) => new(DeaggregationOutcome.DroppedOutsideShardRange, 0, count);

    internal static DeaggregationResult PassedThrough(KplCorruption corruption, string reason) =>
        new(DeaggregationOutcome.CorruptPassedThrough, 1, 0, corruption, reason);
}
