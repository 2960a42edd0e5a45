using KinesisGrains.KeyedState.Snapshots;

namespace KinesisGrains.KeyedState.Export;

/// <summary>
/// Each partition's latest committed snapshot, as its pointer row says (what the partition's next activation restores).
/// Only reads the pointers: <see cref="ISnapshotFence.ReadAsync"/>, never a token or a commit.
/// </summary>
public sealed class LatestSnapshotSource(ISnapshotFence pointers) : IStateSnapshotSource
{
    /// <inheritdoc/>
    public string Description => "latest";

    /// <inheritdoc/>
    public async Task<long?> SnapshotOfAsync(string partitionId, CancellationToken cancellationToken) =>
        await pointers.ReadAsync(partitionId, cancellationToken).ConfigureAwait(false) is { LatestSnapshotId: > 0 } pointer
            ? pointer.LatestSnapshotId
            : null;
}
