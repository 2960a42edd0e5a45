using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Storage;

namespace KinesisGrains.Silo.Checkpointing;

/// <summary>
/// Durability without S3: the partitions' pending writes go to RocksDB, whose write-ahead log keeps them through a
/// process crash (not through the loss of the machine or its disk).
/// </summary>
public sealed class LocalStateSnapshotter(GrainRuntime runtime) : IStateSnapshotter
{
    public Task SnapshotAsync(IReadOnlyList<SourcePosition> positions, CancellationToken cancellationToken) => runtime.FlushAsync();
}
