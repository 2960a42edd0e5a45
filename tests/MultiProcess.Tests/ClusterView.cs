using System.Text.Json;

namespace KinesisGrains.MultiProcess;

/// <summary>What the running silos' <c>/status</c> documents say about shards and partitions (paused or dead silos say nothing).</summary>
internal static class ClusterView
{
    public static async Task<List<(SiloProcess Silo, JsonElement Status)>> StatusesAsync(ProcessCluster cluster)
    {
        var all = await Task.WhenAll(cluster.Silos.Select(async s => (Silo: s, Status: await s.StatusAsync())));
        return [.. all.Where(a => a.Status is not null).Select(a => (a.Silo, a.Status!.Value))];
    }

    public static IEnumerable<JsonElement> Shards(JsonElement status) => status.GetProperty("shards").EnumerateArray();

    public static string ShardId(JsonElement shard) => shard.GetProperty("shardId").GetString()!;

    public static bool LeaseHeld(JsonElement shard) => shard.TryGetProperty("leaseHeld", out var held) && held.ValueKind == JsonValueKind.True;

    public static string? Checkpoint(JsonElement shard) => Text(shard, "checkpoint");

    public static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;

    public static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The shards each running silo holds the lease of.</summary>
    public static async Task<Dictionary<string, SiloProcess>> LeaseHoldersAsync(ProcessCluster cluster)
    {
        var holders = new Dictionary<string, SiloProcess>(StringComparer.Ordinal);
        foreach (var (silo, status) in await StatusesAsync(cluster))
        {
            foreach (var shard in Shards(status).Where(LeaseHeld))
            {
                holders[ShardId(shard)] = silo;
            }
        }

        return holders;
    }

    /// <summary>The checkpoint of every shard whose lease a running silo holds.</summary>
    public static async Task<Dictionary<string, string?>> CheckpointsAsync(ProcessCluster cluster)
    {
        var checkpoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (_, status) in await StatusesAsync(cluster))
        {
            foreach (var shard in Shards(status).Where(LeaseHeld))
            {
                checkpoints[ShardId(shard)] = Checkpoint(shard);
            }
        }

        return checkpoints;
    }

    /// <summary>Which silo has each state partition active (partition id as its snapshots are named → silo).</summary>
    public static async Task<Dictionary<string, SiloProcess>> PartitionHostsAsync(ProcessCluster cluster)
    {
        var hosts = new Dictionary<string, SiloProcess>(StringComparer.Ordinal);
        foreach (var (silo, status) in await StatusesAsync(cluster))
        {
            if (status.TryGetProperty("partitionStates", out var partitions))
            {
                foreach (var partition in partitions.EnumerateArray())
                {
                    hosts[partition.GetProperty("partitionId").GetString()!] = silo;
                }
            }
        }

        return hosts;
    }

    /// <summary>True when every shard of <paramref name="shardIds"/> had a read delivered to every partition it feeds after <paramref name="since"/>.</summary>
    public static async Task<bool> EveryShardAppliedSinceAsync(ProcessCluster cluster, IReadOnlyCollection<string> shardIds, DateTimeOffset since)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, status) in await StatusesAsync(cluster))
        {
            foreach (var shard in Shards(status))
            {
                if (Time(shard, "lastDeliveredAt") is { } last && last > since)
                {
                    applied.Add(ShardId(shard));
                }
            }
        }

        return shardIds.All(applied.Contains);
    }
}
