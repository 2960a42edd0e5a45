using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// What the silo reads and how: the stream, where to start without a checkpoint, and the fetch and checkpoint
/// cadence. Names and defaults follow the Spark and Databricks Kinesis connectors. <see cref="KinesisSourceOptionsValidator"/>
/// holds their rules.
/// </summary>
public sealed class KinesisSourceOptions
{
    /// <summary>Kinesis' own ceiling on <c>MaxRecordsPerFetch</c>.</summary>
    public const int MaxRecordsPerFetchLimit = 10_000;
    /// <summary>Kinesis allows five GetRecords per shard and second: fetches of one shard are never closer than this.</summary>
    public static readonly TimeSpan MinFetchPeriodFloor = TimeSpan.FromMilliseconds(200);

    /// <summary>The Kinesis stream to read; required.</summary>
    public string StreamName { get; set; } = "";

    /// <summary>Where a shard without a checkpoint starts: TRIM_HORIZON, LATEST or AT_TIMESTAMP.</summary>
    public string InitialPosition { get; set; } = SentinelCheckpoint.Latest;

    /// <summary>The start time for AT_TIMESTAMP.</summary>
    public DateTimeOffset? InitialTimestamp { get; set; }

    /// <summary>Records asked for per GetRecords call (1..10,000).</summary>
    public int MaxRecordsPerFetch { get; set; } = MaxRecordsPerFetchLimit;

    /// <summary>The shortest time between two GetRecords calls on a shard (Kinesis allows 5 calls/s per shard).</summary>
    public TimeSpan MinFetchPeriod { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How often the shard list is refreshed to find new shards after resharding.</summary>
    public TimeSpan ShardFetchInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a shard's checkpoint is written to DynamoDB (always on graceful stop and at shard end).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest time between two checkpoint barriers while shards are held, even when no checkpoint moves. A barrier
    /// is how a partition that came back from an older snapshot finds out what it misses (and gets it replayed), and
    /// on a quiet stream nothing else brings one. Zero: barriers only when a checkpoint moves.
    /// </summary>
    public TimeSpan QuietBarrierInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most a shard is read at, in MB/s (Kinesis allows 2 MB/s per shard for all consumers together).</summary>
    public double MaxFetchRate { get; set; } = 1.0;

    /// <summary>
    /// The longest fetched data waits in the buffer before it is handed to processing: when the oldest buffered page of
    /// a shard is older, that shard's fetching pauses until processing catches up.
    /// </summary>
    public TimeSpan MaxFetchDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Soft limit on fetched bytes held in memory across all shards; beyond it pages spill to disk, in order. 512 MiB
    /// default: on a 24 GB machine it leaves most memory to RocksDB's block cache and memtables and to grain
    /// activations, and it holds minutes of data at the 2 MB/s a shard can be read.
    /// </summary>
    public long FetchBufferSize { get; set; } = 512L * 1024 * 1024;

    /// <summary>Where spilled pages go; empty: a folder under the silo's data folder.</summary>
    public string? FetchBufferSpillDirectory { get; set; }

    /// <summary>How many shards one fetch worker serves: their GetRecords calls take turns.</summary>
    public int ShardsPerTask { get; set; } = 5;

    /// <summary>How long a shard's fetching sleeps after Kinesis throttles it (its fetch size is halved too).</summary>
    public TimeSpan ThrottleBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A lease whose counter has not moved for this long is taken as abandoned by its owner (the KCL's failover
    /// time). Held leases are renewed three times per period.
    /// </summary>
    public TimeSpan LeaseFailoverTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Places each keyed-state partition on the silo reading the shard that feeds it, and moves it (with a hand-over
    /// snapshot, at a checkpoint barrier) when that shard settles on another silo; false leaves placement to Orleans.
    /// </summary>
    public bool PlacePartitionsNearShards { get; set; } = true;

    /// <summary>
    /// The KCL's rule after resharding: a KPL aggregate with any record whose hash key is outside the shard's range is
    /// dropped whole (a producer with a stale shard map aggregated records of several shards). Drops are counted and
    /// logged, never silent.
    /// </summary>
    public bool DropAggregatesOutsideShardRange { get; set; } = true;

    /// <summary>Polling (GetRecords) or Efo (enhanced fan-out, SubscribeToShard over HTTP/2): Databricks' <c>consumerMode</c>.</summary>
    public ConsumerMode ConsumerMode { get; set; } = ConsumerMode.Polling;

    /// <summary>
    /// The enhanced fan-out consumer's name (1–128 of <c>a-z A-Z 0-9 _ . -</c>); empty: the application name. Registered
    /// at start when the stream has none of that name; never deregistered by the silo (<c>kgrains consumer deregister</c>).
    /// </summary>
    public string? ConsumerName { get; set; }

    /// <summary>An enhanced fan-out consumer registered beforehand, by its ARN: used as is, nothing is registered.</summary>
    public string? ConsumerArn { get; set; }

    /// <summary>How long start-up waits for a registered consumer to become ACTIVE (Databricks' <c>registerConsumerTimeoutInterval</c>).</summary>
    public TimeSpan ConsumerRegistrationTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A subscription that brings no event for this long is dropped and made again from its continuation (the KCL's 60 s).</summary>
    public TimeSpan SubscriptionIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// When the stream was deleted and created again under the same name, delete the old checkpoints and local state
    /// and start afresh (else the silo refuses to start).
    /// </summary>
    public bool ResetIfStreamRecreated { get; set; }
}
