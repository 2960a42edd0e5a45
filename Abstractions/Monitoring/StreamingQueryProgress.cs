using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// What one commit cycle of a silo did (the model is Spark's <c>StreamingQueryProgress</c>): every
/// <c>Kinesis:CheckpointInterval</c> a silo sends a checkpoint barrier to every partition and moves its shards'
/// checkpoints; the records its receivers read since the previous cycle, what the partitions did with them, and the
/// observed metrics over their events make one record. A cycle that read nothing and delivered nothing is idle: it
/// makes no record (listeners get <see cref="IStreamingQueryListener.OnQueryIdle"/>) and the batch id does not move.
/// </summary>
public sealed record StreamingQueryProgress
{
    /// <summary>The JSON layout's version; fields are only ever added within a version.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The version of the progress record's JSON shape, written in each record for readers of older logs.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The query: stable for an application on a stream (a name-based id of both), across silos and restarts.</summary>
    public required Guid Id { get; init; }

    /// <summary>New on every start of the silo's stream provider.</summary>
    public required Guid RunId { get; init; }

    /// <summary>The application (<c>Silo:ApplicationName</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The Kinesis stream the query reads.</summary>
    public required string StreamName { get; init; }

    /// <summary>The silo that made the record (its lease owner name).</summary>
    public required string SiloId { get; init; }

    /// <summary>0, 1, 2 ... per run: one per non-idle commit cycle of this silo.</summary>
    public required long BatchId { get; init; }

    /// <summary>When the cycle ended, UTC.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Records the receivers read since the previous record (after KPL de-aggregation; dead letters included).</summary>
    public required long NumInputRecords { get; init; }

    /// <summary>Records delivered to every partition (or dead-lettered) since the previous record.</summary>
    public required long NumProcessedRecords { get; init; }

    /// <summary>Arrival rate: input records over the time since the previous record (or since the start); absent before any time passed.</summary>
    public double? InputRowsPerSecond { get; init; }

    /// <summary>Processing rate: processed records over the same time.</summary>
    public double? ProcessedRowsPerSecond { get; init; }

    /// <summary>
    /// Milliseconds per phase: <c>fetch</c> (GetRecords calls, summed over shards), <c>decode</c> (de-aggregation and
    /// the message handler, summed), <c>deliver</c> (longest wait of a read from hand-over to Orleans until every
    /// partition had it), <c>apply</c> and <c>stateWrite</c> (partitions' event logic and RocksDB writes, summed),
    /// <c>snapshot</c> (the barrier round: every partition persists), <c>checkpoint</c> (lease writes) and
    /// <c>commit</c> (the whole cycle).
    /// </summary>
    public required IReadOnlyDictionary<string, long> DurationMs { get; init; }

    /// <summary>One entry per shard this silo reads.</summary>
    public required IReadOnlyList<SourceProgress> Sources { get; init; }

    /// <summary>One entry per keyed-state partition grain class: sums over the partitions, and each partition.</summary>
    public required IReadOnlyList<StateOperatorProgress> StateOperators { get; init; }

    /// <summary>Records dead-lettered since the previous record: undecodable ones and events whose logic threw.</summary>
    public required long DeadLetters { get; init; }

    /// <summary>The user's named aggregates over the events read in this batch (<c>Observe</c>); null for a min or max of no events.</summary>
    public required IReadOnlyDictionary<string, double?> ObservedMetrics { get; init; }

    /// <summary>
    /// Spark's <c>sink</c> block, one per configured sink: rows written, the longest commit of an epoch, the sink's
    /// newest version and its lag in epochs (staged, not committed); absent without sinks.
    /// </summary>
    public IReadOnlyList<SinkProgress>? Sinks { get; init; }

    /// <summary>
    /// Spark's <c>eventTime</c> block, ISO-8601 UTC times: <c>min</c>, <c>avg</c> and <c>max</c> of the event times
    /// read in this batch (absent when it read no event) and <c>watermark</c>, the query's event-time watermark (the
    /// smallest the partitions reported; absent before there is one). Null when it has neither.
    /// </summary>
    public IReadOnlyDictionary<string, string>? EventTime { get; init; }

    /// <summary>The options every progress JSON is written with: camelCase, nulls left out.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The record as one line of JSON, as the silo logs it and <c>/progress</c> serves it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>What one shard's receiver read in a batch.</summary>
/// <param name="StartSequenceNumber">The first record read in the batch; absent when it read none.</param>
/// <param name="EndSequenceNumber">The last record read in the batch; absent when it read none.</param>
/// <param name="MillisBehindLatest">As Kinesis reported it with the last page read.</param>
/// <param name="Records">Records read (after de-aggregation).</param>
/// <param name="Bytes">Bytes of the pages read (data, partition keys and sequence numbers).</param>
/// <param name="Checkpoint">The shard's checkpoint after the cycle.</param>
public sealed record SourceProgress(
    string ShardId,
    string? StartSequenceNumber,
    string? EndSequenceNumber,
    long? MillisBehindLatest,
    long Records,
    long Bytes,
    long ProcessedRecords,
    long DeadLetters,
    string? Checkpoint);

/// <summary>One keyed-state partition grain class over its partitions (the sums) and each partition.</summary>
public sealed record StateOperatorProgress(
    string OperatorName,
    int NumPartitions,
    long KeysTotal,
    long KeysUpdated,
    long MemoryBytes,
    long SnapshotBytes,
    long SnapshotDurationMs,
    long EventsApplied,
    long DeadLetters,
    IReadOnlyList<PartitionProgress> Partitions);
