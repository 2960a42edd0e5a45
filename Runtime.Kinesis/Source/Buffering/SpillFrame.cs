namespace KinesisGrains.Kinesis.Source.Buffering;

/// <summary>Where one spilled page lives. Kept in memory so reads take one positioned read and the queue's statistics need no disk access.</summary>
/// <param name="Length">Frame length, header included.</param>
/// <param name="Charge">What the page counts against the queue's <see cref="ShardQueue.Bytes"/>.</param>
internal readonly record struct SpillFrame(SpillSegment Segment, long Offset, int Length, long Charge, DateTimeOffset FetchedAt);
