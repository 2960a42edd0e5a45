namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// An <see cref="ISnapshotFence"/> in this process's memory: it fences activations of one silo against each other,
/// nothing across processes, and forgets everything at exit (a restart then finds no pointer and restores nothing).
/// For tests, benchmarks and single-process tools; a silo sharing a bucket with others needs the DynamoDB fence.
/// </summary>
internal sealed class InProcessSnapshotFence : ISnapshotFence
{
    private readonly Dictionary<string, SnapshotPointer> _pointers = new(StringComparer.Ordinal);

    public Task<SnapshotPointer> AcquireAsync(string partitionId, CancellationToken cancellationToken)
    {
        lock (_pointers)
        {
            var current = _pointers.GetValueOrDefault(partitionId) ?? new SnapshotPointer(partitionId, 0, 0, 0, []);
            var taken = current with { WriterToken = current.WriterToken + 1 };
            _pointers[partitionId] = taken;
            return Task.FromResult(taken);
        }
    }

    public Task<SnapshotPointer?> ReadAsync(string partitionId, CancellationToken cancellationToken)
    {
        lock (_pointers)
        {
            return Task.FromResult(_pointers.GetValueOrDefault(partitionId));
        }
    }

    public Task<long> ReserveIdAsync(string partitionId, long writerToken, long minimumId, CancellationToken cancellationToken)
    {
        lock (_pointers)
        {
            var current = Owned(partitionId, writerToken, "reserve a snapshot id");
            var id = Math.Max(current.LastReservedId, minimumId) + 1;
            _pointers[partitionId] = current with { LastReservedId = id };
            return Task.FromResult(id);
        }
    }

    public Task<SnapshotPointer> CommitAsync(
        string partitionId, long writerToken, long expectedLatest, long snapshotId, IReadOnlyList<long> retained, CancellationToken cancellationToken)
    {
        lock (_pointers)
        {
            var current = Owned(partitionId, writerToken, $"commit snapshot {snapshotId}");
            if (current.LatestSnapshotId != expectedLatest)
            {
                throw new SnapshotFencedException(partitionId, writerToken, current.WriterToken, $"commit snapshot {snapshotId}",
                    $"the latest snapshot is {current.LatestSnapshotId}, not {expectedLatest} as this writer last knew it.");
            }

            var committed = current with { LatestSnapshotId = snapshotId, RetainedSnapshotIds = [.. retained] };
            _pointers[partitionId] = committed;
            return Task.FromResult(committed);
        }
    }

    private SnapshotPointer Owned(string partitionId, long writerToken, string operation)
    {
        var current = _pointers.GetValueOrDefault(partitionId);
        if (current?.WriterToken != writerToken)
        {
            throw new SnapshotFencedException(partitionId, writerToken, current?.WriterToken, operation,
                $"the partition's writer is now {current?.WriterToken.ToString() ?? "nobody"}.");
        }

        return current;
    }
}
