using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Routing;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Placement;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis.Placement;

/// <summary>
/// Which silo reads the shard under each partition, as the queue balancer last saw the lease table and Orleans'
/// membership: the shard holding the middle of the partition's slice (a slice overlaps few shards when P ≥ shards,
/// one when their boundaries line up), its lease owner, and that owner's live silo (lease owner = Orleans SiloName).
/// </summary>
internal sealed class ShardPlacementMap(int partitionCount, TimeSpan settleTime, TimeProvider time) : IPartitionPlacement
{
    private PartitionMap _partitions = new(partitionCount);
    private readonly Dictionary<string, (string Owner, long Since)> _owners = new(StringComparer.Ordinal);
    private volatile PartitionHome?[] _homes = new PartitionHome?[partitionCount];

    public PartitionHome? HomeOf(int partition) => partition >= 0 && partition < _homes.Length ? _homes[partition] : null;

    /// <summary>A live rescale changed P: no partition has a home until the next <see cref="Update"/>.</summary>
    public void Resize(int partitionCount)
    {
        lock (_owners)
        {
            _partitions = new PartitionMap(partitionCount);
            _homes = new PartitionHome?[partitionCount];
        }
    }

    /// <summary>Recomputes every partition's home from the open shards, their leases and the live silos.</summary>
    public void Update(IReadOnlyList<Shard> shards, IEnumerable<ShardLease> leases, IEnumerable<(string Name, SiloAddress Silo)> activeSilos)
    {
        var now = time.GetTimestamp();
        var silos = new Dictionary<string, SiloAddress>(StringComparer.Ordinal);
        foreach (var (name, silo) in activeSilos)
        {
            silos.TryAdd(name, silo);
        }

        var owners = leases.Where(l => l.LeaseOwner is not null && !l.IsShardEnd).ToDictionary(l => l.LeaseKey, l => l.LeaseOwner!, StringComparer.Ordinal);
        lock (_owners)
        {
            foreach (var (shardId, owner) in owners)
            {
                if (!_owners.TryGetValue(shardId, out var seen) || seen.Owner != owner)
                {
                    _owners[shardId] = (owner, now);
                }
            }

            foreach (var gone in _owners.Keys.Where(k => !owners.ContainsKey(k)).ToList())
            {
                _owners.Remove(gone);
            }

            var open = shards.Where(s => s.IsOpen).ToList();
            var homes = new PartitionHome?[_homes.Length];
            for (var partition = 0; partition < homes.Length; partition++)
            {
                if (HashKey.FindShard(open, _partitions.MiddleOf(partition)) is { } shard
                    && _owners.TryGetValue(shard.ShardId, out var owner)
                    && silos.TryGetValue(owner.Owner, out var silo))
                {
                    homes[partition] = new PartitionHome(silo, time.GetElapsedTime(owner.Since, now) >= settleTime);
                }
            }

            _homes = homes;
        }
    }
}
