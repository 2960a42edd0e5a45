namespace KinesisGrains.Runtime.Storage;

/// <summary>
/// Makes the grain state applied so far durable (a snapshot in S3, or nothing when the local store is durable by
/// itself). The source checkpoints a shard only past records that were applied before a completed snapshot.
/// </summary>
public interface IStateSnapshotter
{
    Task SnapshotAsync(CancellationToken cancellationToken);
}

/// <summary>For a store that is durable on its own (RocksDB with its write-ahead log): nothing to do.</summary>
public sealed class LocalDurabilitySnapshotter : IStateSnapshotter
{
    public static LocalDurabilitySnapshotter Instance { get; } = new();

    public Task SnapshotAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
