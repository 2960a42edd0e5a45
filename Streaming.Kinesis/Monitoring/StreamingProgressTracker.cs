using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KinesisGrains.Abstractions.Monitoring;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>
/// Makes a silo's progress records: receivers and partitions report what they did as they do it (a few additions
/// under a lock), and at the end of each commit cycle the tracker turns what was reported since the previous one
/// into a <see cref="StreamingQueryProgress"/>, keeps it in <see cref="Recent"/>, records the streaming meter and
/// queues it for the listeners.
/// </summary>
internal sealed partial class StreamingProgressTracker : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly StreamingMonitorOptions _options;
    private readonly string _name;
    private readonly string _streamName;
    private readonly string _siloId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string, string?> _checkpointOf;
    private readonly StreamingQueryListenerBus _bus;
    private readonly SortedDictionary<string, ShardActivity> _shards = new(StringComparer.Ordinal);
    private readonly List<PartitionProgress> _state = [];
    private readonly ObservedMetricTotals _observed;
    private readonly EventTimeStats _eventTimes = new();
    private readonly Dictionary<(string State, int Partition), DateTimeOffset> _partitionWatermarks = [];
    private long _fetchTicks;
    private long _decodeTicks;
    private long _deliverMaxTicks;
    private long _nextBatchId;
    private DateTimeOffset _previous;
    private int _started;
    private int _terminated;

    public StreamingProgressTracker(
        string applicationName,
        string streamName,
        string siloId,
        StreamingMonitorOptions options,
        IEnumerable<ObservedMetricInfo> observed,
        IEnumerable<IStreamingQueryListener> listeners,
        Func<string, string?> checkpointOf,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        new StreamingMonitorOptionsValidator(options).ValidateConfiguration();

        _options = options;
        _name = applicationName;
        _streamName = streamName;
        _siloId = siloId;
        _time = time;
        _logger = loggers.CreateLogger<StreamingProgressTracker>();
        _checkpointOf = checkpointOf;
        _observed = new ObservedMetricTotals(observed);
        _bus = new StreamingQueryListenerBus(listeners, _logger);
        Recent = new RecentProgress(options.RetainedProgress);
        Id = QueryIdOf(applicationName, streamName);
        _previous = time.GetUtcNow();
    }

    /// <summary>The query id: the same for an application on a stream on every silo and after restarts.</summary>
    public Guid Id { get; }

    /// <summary>New for every run of the stream provider on a silo.</summary>
    public Guid RunId { get; } = Guid.NewGuid();

    public RecentProgress Recent { get; }

    public StreamingQueryProgress? Last => Recent.Last;

    public StreamingMonitorOptions Options => _options;

    /// <summary>A name-based id (MD5 of the application and stream names, as a UUID version 3).</summary>
    public static Guid QueryIdOf(string applicationName, string streamName)
    {
        var hash = MD5.HashData(Encoding.UTF8.GetBytes(applicationName + "\n" + streamName));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x30);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash, bigEndian: true);
    }

    public void Started()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _bus.Post(new QueryStartedEvent(Id, RunId, _name, _siloId, _time.GetUtcNow()));
        }
    }

    /// <summary>A GetRecords call of the shard took <paramref name="elapsedTicks"/> (Stopwatch ticks).</summary>
    public void Fetched(long elapsedTicks) => Interlocked.Add(ref _fetchTicks, elapsedTicks);

    /// <summary>A receiver read records (decoded or dead-lettered) in <paramref name="decodeTicks"/>.</summary>
    /// <param name="eventTimes">The event times of the read's events, drained into the cycle's <c>eventTime</c> block.</param>
    public void Read(
        string shardId,
        string? first,
        string? last,
        long records,
        long deadLettered,
        long bytes,
        long? millisBehindLatest,
        long decodeTicks,
        ObservedMetricsAccumulator? observed,
        EventTimeStats? eventTimes = null)
    {
        lock (_lock)
        {
            var shard = ShardOf(shardId);
            shard.First ??= first;
            shard.Last = last ?? shard.Last;
            shard.Records += records;
            shard.DeadLetters += deadLettered;
            shard.Bytes += bytes;
            shard.MillisBehindLatest = millisBehindLatest ?? shard.MillisBehindLatest;
            shard.Stopped = false;
            _decodeTicks += decodeTicks;
            observed?.DrainInto(_observed);
            eventTimes?.DrainInto(_eventTimes);
        }
    }

    /// <summary>The shard's watermark moved or it turned idle or active again, as its receiver reads it.</summary>
    public void WatermarkChanged(string shardId, DateTimeOffset? watermark, bool idle)
    {
        lock (_lock)
        {
            var shard = ShardOf(shardId);
            (shard.Watermark, shard.Idle) = (watermark, idle);
        }
    }

    /// <summary>The newest watermark each partition reported at a barrier (partitions that never had one left out).</summary>
    public IReadOnlyDictionary<(string State, int Partition), DateTimeOffset> PartitionWatermarks
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<(string State, int Partition), DateTimeOffset>(_partitionWatermarks);
            }
        }
    }

    /// <summary>Records of a read reached every partition (or were dead-lettered), <paramref name="waitedTicks"/> after the read.</summary>
    public void Delivered(string shardId, long records, long waitedTicks)
    {
        lock (_lock)
        {
            ShardOf(shardId).Processed += records;
            _deliverMaxTicks = Math.Max(_deliverMaxTicks, waitedTicks);
        }
    }

    /// <summary>The shard's receiver stopped: it is left out of records after the next one.</summary>
    public void ShardStopped(string shardId)
    {
        lock (_lock)
        {
            if (_shards.TryGetValue(shardId, out var shard))
            {
                shard.Stopped = true;
            }
        }
    }

    /// <summary>The partitions' answers to a checkpoint barrier.</summary>
    public void StateReported(IEnumerable<PartitionProgress> partitions)
    {
        lock (_lock)
        {
            foreach (var partition in partitions)
            {
                _state.Add(partition);
                if (partition.Watermark is { } watermark)
                {
                    _partitionWatermarks[(partition.StateName, partition.Partition)] = watermark;
                }
            }
        }
    }

    /// <summary>A commit cycle ended: one progress record, or an idle event when nothing happened since the previous one.</summary>
    public void CycleCompleted(TimeSpan snapshot, TimeSpan checkpoint, TimeSpan total)
    {
        try
        {
            MakeProgress(snapshot, checkpoint, total);
        }
        catch (Exception exception)
        {
            // Monitoring must never fail a commit cycle.
            LogProgressFailed(_logger, exception);
        }
    }

    private void MakeProgress(TimeSpan snapshot, TimeSpan checkpoint, TimeSpan total)
    {
        StreamingQueryProgress progress;
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var records = _shards.Values.Sum(s => s.Records);
            var processed = _shards.Values.Sum(s => s.Processed);
            var deadLetters = _shards.Values.Sum(s => s.DeadLetters) + _state.Sum(p => p.DeadLetters);
            // Sinks commit an epoch after its barrier: the cycle after the last records still reports their rows.
            if (records == 0 && processed == 0 && deadLetters == 0
                && _state.All(p => p.EventsApplied == 0 && p.KeysUpdated == 0 && (p.Sinks ?? []).All(s => s.NumOutputRows == 0)))
            {
                _fetchTicks = _decodeTicks = _deliverMaxTicks = 0;
                _state.Clear();
                _observed.Take();
                _eventTimes.Clear();
                RemoveStoppedShards();
                _bus.Post(new QueryIdleEvent(Id, RunId, now));
                return;
            }

            var seconds = (now - _previous).TotalSeconds;
            _previous = now;
            progress = new StreamingQueryProgress
            {
                Id = Id,
                RunId = RunId,
                Name = _name,
                StreamName = _streamName,
                SiloId = _siloId,
                BatchId = _nextBatchId++,
                Timestamp = now,
                NumInputRecords = records,
                NumProcessedRecords = processed,
                InputRowsPerSecond = seconds > 0 ? Math.Round(records / seconds, 3) : null,
                ProcessedRowsPerSecond = seconds > 0 ? Math.Round(processed / seconds, 3) : null,
                DurationMs = new SortedDictionary<string, long>(StringComparer.Ordinal)
                {
                    ["fetch"] = Milliseconds(Interlocked.Exchange(ref _fetchTicks, 0)),
                    ["decode"] = Milliseconds(_decodeTicks),
                    ["deliver"] = Milliseconds(_deliverMaxTicks),
                    ["apply"] = (long)_state.Sum(p => p.ApplyMs),
                    ["stateWrite"] = (long)_state.Sum(p => p.StateWriteMs),
                    ["snapshot"] = (long)snapshot.TotalMilliseconds,
                    ["checkpoint"] = (long)checkpoint.TotalMilliseconds,
                    ["commit"] = (long)total.TotalMilliseconds,
                },
                Sources = [.. _shards.Select(s => new SourceProgress(
                    s.Key, s.Value.First, s.Value.Last, s.Value.MillisBehindLatest, s.Value.Records, s.Value.Bytes, s.Value.Processed, s.Value.DeadLetters, _checkpointOf(s.Key)))],
                StateOperators = [.. _state.GroupBy(p => p.StateName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(OperatorOf)],
                DeadLetters = deadLetters,
                ObservedMetrics = _observed.Take(),
                Sinks = SinksOf(_state),
                EventTime = EventTimeOf(),
            };

            _decodeTicks = _deliverMaxTicks = 0;
            _state.Clear();
            foreach (var shard in _shards.Values)
            {
                shard.StartOver();
            }

            RemoveStoppedShards();
        }

        Recent.Add(progress);
        StreamingMetrics.Record(progress, _options);
        _bus.Post(new QueryProgressEvent(progress));
        LogProgress(_logger, progress.BatchId, progress.NumInputRecords, progress.NumProcessedRecords, progress.DeadLetters);
    }

    /// <summary>The silo stopped reading; also sent on dispose if nobody said so before.</summary>
    public void Terminated(Exception? exception)
    {
        if (Interlocked.Exchange(ref _terminated, 1) == 0)
        {
            _bus.Post(new QueryTerminatedEvent(Id, RunId, _time.GetUtcNow(), exception?.Message));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Terminated(null);
        await _bus.DisposeAsync();
    }

    private ShardActivity ShardOf(string shardId)
    {
        if (!_shards.TryGetValue(shardId, out var shard))
        {
            _shards[shardId] = shard = new ShardActivity();
        }

        return shard;
    }

    private void RemoveStoppedShards()
    {
        foreach (var stopped in _shards.Where(s => s.Value.Stopped).Select(s => s.Key).ToList())
        {
            _shards.Remove(stopped);
        }
    }

    private static StateOperatorProgress OperatorOf(IGrouping<string, PartitionProgress> partitions)
    {
        var list = partitions.OrderBy(p => p.Partition).ToList();
        return new StateOperatorProgress(
            partitions.Key,
            list.Count,
            list.Sum(p => p.KeysTotal),
            list.Sum(p => p.KeysUpdated),
            list.Sum(p => p.MemoryBytes),
            list.Sum(p => p.SnapshotBytes),
            list.Count > 0 ? list.Max(p => p.SnapshotDurationMs) : 0,
            list.Sum(p => p.EventsApplied),
            list.Sum(p => p.DeadLetters),
            list);
    }

    /// <summary>
    /// Spark's <c>eventTime</c> block: the earliest, mean and latest event time read in the cycle, and the watermark:
    /// the smallest the partitions reported at this cycle's barrier, or, before partitions report any, the smallest
    /// of this silo's shards that are not idle (none while one of them has no event yet). Null when it has neither.
    /// </summary>
    private SortedDictionary<string, string>? EventTimeOf()
    {
        var block = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (_eventTimes.Count > 0)
        {
            block["min"] = Iso(_eventTimes.Min!.Value);
            block["max"] = Iso(_eventTimes.Max!.Value);
            block["avg"] = Iso(_eventTimes.Average!.Value);
        }

        _eventTimes.Clear();
        var reported = _state.Where(p => p.Watermark is not null).Select(p => p.Watermark!.Value).ToList();
        var active = _shards.Values.Where(s => !s.Stopped && !s.Idle).ToList();
        DateTimeOffset? watermark = reported.Count > 0 ? reported.Min()
            : active.Count > 0 && active.All(s => s.Watermark is not null) ? active.Min(s => s.Watermark!.Value)
            : null;
        if (watermark is { } value)
        {
            block["watermark"] = Iso(value);
        }

        return block.Count > 0 ? block : null;
    }

    /// <summary>Spark's event-time format: UTC, milliseconds, <c>Z</c>.</summary>
    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Each sink over the partitions that reported it; null without sinks.</summary>
    private static IReadOnlyList<SinkProgress>? SinksOf(List<PartitionProgress> partitions)
    {
        var sinks = partitions.SelectMany(p => p.Sinks ?? []).GroupBy(s => s.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => SinkProgress.Combine([.. g])).ToList();
        return sinks.Count == 0 ? null : sinks;
    }

    private static long Milliseconds(long ticks) => (long)Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds;

    /// <summary>One shard's reads since the previous progress record.</summary>
    private sealed class ShardActivity
    {
        public string? First { get; set; }

        public string? Last { get; set; }

        public long? MillisBehindLatest { get; set; }

        public long Records { get; set; }

        public long Bytes { get; set; }

        public long Processed { get; set; }

        public long DeadLetters { get; set; }

        public bool Stopped { get; set; }

        /// <summary>The shard's watermark as its receiver last said (kept across batches).</summary>
        public DateTimeOffset? Watermark { get; set; }

        public bool Idle { get; set; }

        /// <summary>The next batch starts after this one's last record; the lag stays what Kinesis last said.</summary>
        public void StartOver()
        {
            First = null;
            Last = null;
            Records = Bytes = Processed = DeadLetters = 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Making the progress record of a commit cycle failed")]
    private static partial void LogProgressFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Progress {BatchId}: {Records} records read, {Processed} processed, {DeadLetters} dead letters")]
    private static partial void LogProgress(ILogger logger, long batchId, long records, long processed, long deadLetters);
}
