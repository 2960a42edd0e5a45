using KinesisGrains.Abstractions.Views;
using KinesisGrains.DynamoDB;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Everything one Kinesis stream provider needs: the stream and how to read it, the lease table, the partition streams.
/// <see cref="KinesisStreamOptionsValidator"/> holds their rules.
/// </summary>
public sealed class KinesisStreamOptions
{
    /// <summary>The stream, start positions, prefetch, pacing and checkpoint cadence (the Spark/Databricks options).</summary>
    public KinesisSourceOptions Source { get; set; } = new();

    /// <summary>Where events' times come from, and how receivers make each shard's watermark of them.</summary>
    public EventTimeOptions EventTime { get; set; } = new();

    /// <summary>Endpoint, region, credentials and retries of the Kinesis API.</summary>
    public KinesisClientOptions Client { get; set; } = new();

    /// <summary>Where the lease table lives.</summary>
    public DynamoDBOptions DynamoDB { get; set; } = new();

    /// <summary>Names the lease table: two applications on one stream keep their own checkpoints.</summary>
    public string ApplicationName { get; set; } = "";

    /// <summary>The Orleans stream namespace of the partition streams; partition grains subscribe to it implicitly.</summary>
    public string StreamNamespace { get; set; } = "kinesis";

    /// <summary>State partitions P: stream p of the namespace carries the events of the keys of partition p.</summary>
    public int PartitionCount { get; set; } = 16;

    /// <summary>
    /// More aggregations of the same events, each keyed by its own key and read by the partition grains of its own
    /// stream namespace (<see cref="KeyedView.Name"/>), from the same read of Kinesis; the primary view is
    /// <see cref="StreamNamespace"/>, keyed by the message handler. Each is a <see cref="KeyedView{TEvent}"/> of the
    /// provider's event type.
    /// </summary>
    public List<KeyedView> Views { get; set; } = [];

    /// <summary>The partition streams of every view (checked by <see cref="KinesisStreamOptionsValidator"/> first).</summary>
    internal StreamLanes Lanes => new(StreamNamespace, Views.Select(v => v.Name), PartitionCount);

    /// <summary>This silo's name as a lease owner.</summary>
    public string WorkerId { get; set; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <summary>Where spilled fetch-buffer pages go.</summary>
    public string SpillDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "kgrains-fetch-spill");

    /// <summary>
    /// Batch containers kept in each receiver's Orleans queue cache; 0: four per partition stream of every view, at
    /// least 64. The cache
    /// purges (and so reports delivered, which lets checkpoints move) a tenth of its size at a time: a small cache
    /// keeps checkpoints close behind the delivered records, and a container already holds a partition's share of a
    /// whole read.
    /// </summary>
    public int CacheSize { get; set; }

    // A read makes a container per lane it has events for: the cache grows with the views.
    internal int EffectiveCacheSize => CacheSize > 0 ? CacheSize : Math.Max(64, PartitionCount * (1 + Views.Count) * 4);

    /// <summary>Sends the Kinesis calls through this handler (a proxy, instrumentation); not disposed by the provider.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}
