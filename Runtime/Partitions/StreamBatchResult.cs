namespace KinesisGrains.Runtime.Partitions;

/// <summary>What a partition did with its part of a micro-batch.</summary>
public readonly record struct StreamBatchResult(int Applied, int SkippedAsDuplicate, int Failed)
{
    public static StreamBatchResult operator +(StreamBatchResult left, StreamBatchResult right) =>
        new(left.Applied + right.Applied, left.SkippedAsDuplicate + right.SkippedAsDuplicate, left.Failed + right.Failed);
}
