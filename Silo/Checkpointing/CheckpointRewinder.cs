using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Silo.Checkpointing;

/// <summary>
/// After a partition had to be restored from an older snapshot than its lease pointed at, moves every shard's
/// checkpoint back to where it was after that snapshot, so the records in between are read again. Partitions that
/// already hold them skip them by their high-water marks, so nothing is counted twice.
/// </summary>
public static class CheckpointRewinder
{
    public static async Task<int> RewindAsync(ShardLeaseTable leases, IReadOnlyList<IReadOnlyList<SourcePosition>> olderSnapshots, CancellationToken cancellationToken)
    {
        if (olderSnapshots.Count == 0)
        {
            return 0;
        }

        var rewound = 0;
        var all = await leases.ListAsync(cancellationToken);
        var targets = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        foreach (var lease in all)
        {
            foreach (var positions in olderSnapshots)
            {
                // A shard the older snapshot never saw had no records applied then: it is read from its start.
                var target = positions.FirstOrDefault(p => p.ShardId == lease.LeaseKey) is { ShardId: not null } known
                    ? known
                    : new SourcePosition(lease.LeaseKey, SentinelCheckpoint.TrimHorizon, 0);
                if (!targets.TryGetValue(lease.LeaseKey, out var current) || Compare(target, current) < 0)
                {
                    targets[lease.LeaseKey] = target;
                }
            }
        }

        foreach (var lease in all)
        {
            var target = targets[lease.LeaseKey];
            if (Compare(new SourcePosition(lease.LeaseKey, lease.Checkpoint, lease.CheckpointSubSequenceNumber), target) <= 0)
            {
                continue;
            }

            await leases.RewindAsync(lease.LeaseKey, target.Checkpoint, target.SubSequenceNumber, cancellationToken);
            rewound++;
            if (lease.IsShardEnd)
            {
                // Its children must wait for it again and read from their own start.
                foreach (var child in all.Where(l => l.ParentShardIds.Contains(lease.LeaseKey)))
                {
                    await leases.RewindAsync(child.LeaseKey, SentinelCheckpoint.TrimHorizon, 0, cancellationToken);
                    rewound++;
                }
            }
        }

        return rewound;
    }

    /// <summary>Orders checkpoints as the KCL does: sentinels before sequence numbers, SHARD_END after all.</summary>
    private static int Compare(SourcePosition left, SourcePosition right) =>
        (Rank(left), Rank(right)) switch
        {
            (1, 1) => new StreamSequenceToken(left.Checkpoint, left.SubSequenceNumber).CompareTo(new StreamSequenceToken(right.Checkpoint, right.SubSequenceNumber)),
            var (a, b) => a.CompareTo(b),
        };

    private static int Rank(SourcePosition position) => position.Checkpoint switch
    {
        SentinelCheckpoint.ShardEnd => 2,
        SentinelCheckpoint.TrimHorizon or SentinelCheckpoint.Latest or SentinelCheckpoint.AtTimestamp => 0,
        _ => 1,
    };
}
