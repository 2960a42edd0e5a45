namespace KinesisGrains.KeyedState.Export;

/// <summary>A partition has no snapshot to read: none committed yet, or the one asked for has no manifest.</summary>
public sealed class StateSnapshotMissingException : Exception
{
    /// <summary>Creates the exception for <paramref name="partitionId"/>.</summary>
    public StateSnapshotMissingException(string partitionId, string message)
        : base(message) => PartitionId = partitionId;

    /// <summary>The partition without a snapshot.</summary>
    public string PartitionId { get; }
}
