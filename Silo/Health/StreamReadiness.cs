using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Streaming.Kinesis;

namespace KinesisGrains.Silo.Health;

/// <summary>
/// Whether the silo does its share of reading the stream: the balancer has read the shard list and the lease table,
/// this silo holds leases when the stream has open shards (or stands by while other live silos hold them all), and
/// the receiver of every shard it holds is running. A stopping silo is not ready, so a load balancer drains it first.
/// </summary>
internal sealed class StreamReadiness(Func<KinesisStreamContext> source, IHostApplicationLifetime lifetime)
{
    public StreamReadinessReport Check()
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return new StreamReadinessReport(false, "The silo is stopping.", 0, 0, 0);
        }

        var context = source();
        var held = context.HeldShards;
        var running = 0;
        var waiting = new List<string>();
        foreach (var shardId in held.Order(StringComparer.Ordinal))
        {
            if (context.ProgressOf(shardId).Snapshot.State is ShardReceiverState.Reading or ShardReceiverState.Ended)
            {
                running++;
            }
            else
            {
                waiting.Add(shardId);
            }
        }

        var open = context.OpenShards;
        if (context.LastShardSyncAt is null)
        {
            return new StreamReadinessReport(false, "The shard list and the lease table have not been read yet.", open, held.Count, running);
        }

        if (context.PausedSince is { } since && held.Count == 0)
        {
            // Reading nothing is its share while paused; queries are still answered.
            return new StreamReadinessReport(true, $"The application's input is paused since {since:O}: no silo reads ('kgrains resume' ends it).", open, 0, 0);
        }

        if (open > 0 && held.Count == 0 && context.ActiveSilos <= 1)
        {
            return new StreamReadinessReport(
                false, $"The stream has {open} open shard(s) and this silo, the only one, holds none of their leases yet (another worker's leases expire after Kinesis:LeaseFailoverTime).", open, 0, 0);
        }

        if (waiting.Count > 0)
        {
            return new StreamReadinessReport(false, $"The receiver of shard(s) {string.Join(", ", waiting)} is not running yet.", open, held.Count, running);
        }

        var reason = held.Count == 0 && open > 0
            ? $"Standing by: the {open} open shard(s) are leased by other silos."
            : $"Reading {held.Count} of {open} open shard(s).";
        return new StreamReadinessReport(true, reason, open, held.Count, running);
    }
}

/// <param name="OpenShards">Open shards in the last shard list (children waiting for their parents included).</param>
/// <param name="LeasesHeld">Shard leases this silo holds.</param>
/// <param name="ReceiversRunning">Held shards whose receiver is reading (or read the shard to its end).</param>
public sealed record StreamReadinessReport(bool Ready, string Reason, int OpenShards, int LeasesHeld, int ReceiversRunning);
