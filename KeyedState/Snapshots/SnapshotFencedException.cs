using Orleans;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// A snapshot writer lost its partition: a newer writer (a new activation, possibly on another silo) took the
/// partition's fencing token, so this writer may no longer commit or prune snapshots. What it uploaded stays
/// unreferenced and is pruned by the current writer after the grace period. Not transient: the writer's activation
/// should stop snapshotting (and normally deactivate); retrying with the same token fails the same way.
/// </summary>
/// <remarks>Serializable by Orleans: it can reach a grain's caller on another silo.</remarks>
[GenerateSerializer]
internal sealed class SnapshotFencedException : Exception
{
    public SnapshotFencedException(string partitionId, long writerToken, long? currentWriterToken, string operation, string detail)
        : base($"Snapshot writer {writerToken} of partition '{partitionId}' is fenced and cannot {operation}: {detail}")
    {
        PartitionId = partitionId;
        WriterToken = writerToken;
        CurrentWriterToken = currentWriterToken;
        Operation = operation;
    }

    /// <summary>The partition whose snapshots the writer tried to change.</summary>
    [Id(0)]
    public string PartitionId { get; private set; }

    /// <summary>The fencing token of the writer that failed.</summary>
    [Id(1)]
    public long WriterToken { get; private set; }

    /// <summary>The partition's current token as last read; null when it was not read.</summary>
    [Id(2)]
    public long? CurrentWriterToken { get; private set; }

    /// <summary>What was refused: "reserve a snapshot id", "commit snapshot N", "prune".</summary>
    [Id(3)]
    public string Operation { get; private set; }
}
