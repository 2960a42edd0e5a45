using System.Diagnostics.Metrics;

namespace KinesisGrains.Streaming.Kinesis.Diagnostics;

/// <summary>
/// The assembly's one meter, <c>KinesisGrains.Streaming.Kinesis</c>: the fetch counters here, and the instruments of
/// <see cref="Monitoring.StreamingMetrics"/>, <see cref="Kpl.KplMetrics"/> and the fetch buffers on the same meter.
/// </summary>
internal static class StreamingKinesisMetrics
{
    public const string MeterName = "KinesisGrains.Streaming.Kinesis";

    internal static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> RecordsFetched =
        Meter.CreateCounter<long>("kgrains.kinesis.records_fetched", "{record}", "Records returned by GetRecords");

    public static readonly Counter<long> BytesFetched =
        Meter.CreateCounter<long>("kgrains.kinesis.bytes_fetched", "By", "Bytes returned by GetRecords");

    public static readonly Counter<long> Throttles =
        Meter.CreateCounter<long>("kgrains.kinesis.throttles", "{throttle}", "GetRecords calls Kinesis throttled (ProvisionedThroughputExceeded)");

    public static readonly Counter<long> WatermarkUpdates =
        Meter.CreateCounter<long>("kgrains.kinesis.watermark_updates", "{batch}", "Batches of no events sent to carry a shard's watermark to partitions its newest records did not reach");

    public static readonly Counter<long> EndedShardReplays =
        Meter.CreateCounter<long>("kgrains.kinesis.ended_shard_replays", "{request}", "Replays of an ended shard asked for a partition that came back from a snapshot older than the shard's end");

    public static readonly Counter<long> Subscriptions =
        Meter.CreateCounter<long>("kgrains.kinesis.efo.subscriptions", "{subscription}", "SubscribeToShard calls that opened a subscription (kind: started, the first of a reader; renewed, after one ended or failed)");

    public static readonly Counter<long> ResourceInUseRetries =
        Meter.CreateCounter<long>("kgrains.kinesis.efo.resource_in_use_retries", "{retry}", "SubscribeToShard calls answered ResourceInUse (another subscription of the consumer to the shard was still live), retried after a back-off");

    public static readonly Counter<long> SubscriptionFailures =
        Meter.CreateCounter<long>("kgrains.kinesis.efo.subscription_failures", "{failure}", "Subscriptions that failed (a corrupt frame, a service exception, no event within the idle timeout, a broken connection) and were resubscribed from the last continuation");
}
