using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.RocksDb.Storage;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Diagnostics;
using KinesisGrains.Runtime.KeyedState;
using KinesisGrains.Runtime.Monitoring;
using KinesisGrains.Runtime.Placement;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;
using Position = KinesisGrains.Runtime.Streams.StreamSequenceToken;

namespace KinesisGrains.KeyedState.Partitions;

/// <summary>
/// A keyed-state partition: integer key p, implicitly subscribed to partition stream p, holding the state of every
/// key of slice p in its own RocksDB. Subclass it with the per-key logic and an
/// <c>[ImplicitStreamSubscription("namespace")]</c>; Orleans runs one call at a time, so the logic needs no locks.
/// </summary>
/// <remarks>
/// Exactly-once state: each delivery's changed keys are written in one RocksDB batch together with the shard's
/// high-water mark, and an event at or below the mark (a redelivery) is skipped. Each batch says where the
/// receiver's previous batch for this partition ended; a partition that has not seen the shard that far (it was
/// restored from a snapshot older than what the receiver sent since) refuses the shard's batches and reports the
/// shard at the next checkpoint barrier, whose caller rewinds the shard to its checkpoint.
/// </remarks>
[ShardAffinityPlacement]
public abstract partial class KeyedStatePartitionGrain<TEvent, TState> : Grain, IKeyedStatePartition<TState>, IPartitionCheckpoint,
    IStreamSubscriptionObserver, IAsyncObserver<KeyedEventBatch<TEvent>>
    where TState : class, new()
{
    private readonly Dictionary<string, TState> _states = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirtyShards = new(StringComparer.Ordinal);
    private readonly List<UnwrittenBatch> _unwritten = [];
    private int _unwrittenEvents;
    private readonly Dictionary<string, Position> _highWaterMarks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Position> _covered = new(StringComparer.Ordinal);
    private readonly HashSet<string> _gaps = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer = new(Stream.Null);
    private PartitionStore? _store;
    private IDeadLetterQueue _deadLetters = null!;
    private ILogger _logger = null!;
    private int _maxStates;
    private int _maxDirtyKeys;
    private int _maxUnwrittenEvents;
    private IPartitionPlacement? _placement;
    private SiloAddress? _localSilo;
    private long _activatedAt;

    // Since the previous checkpoint barrier, for its progress answer.
    private long _keysWritten;
    private long _eventsApplied;
    private long _deadLettered;
    private long _applyTicks;
    private long _writeTicks;

    /// <summary>The partition number p.</summary>
    protected int Partition => (int)this.GetPrimaryKeyLong();

    /// <summary>Names this state's folder and snapshots; stable for the life of the application. Default: the class name.</summary>
    protected virtual string StateName => GetType().Name;

    /// <summary>Applies one event to its key's state (a new <typeparamref name="TState"/> for a key never seen). Throw to dead-letter the event: the key's state stays as it was before it.</summary>
    protected abstract void Apply(string key, TState state, TEvent item, in StreamEventInfo info);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stores = ServiceProvider.GetRequiredService<PartitionStateStores>();
        _deadLetters = ServiceProvider.GetRequiredService<IDeadLetterQueue>();
        _logger = ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
        var options = ServiceProvider.GetRequiredService<KeyedStateOptions>();
        _maxStates = options.MaxActivationsPerPartition;
        _maxDirtyKeys = options.MaxDirtyKeysPerPartition;
        _maxUnwrittenEvents = options.MaxUnwrittenEventsPerPartition;
        _placement = ServiceProvider.GetService<IPartitionPlacement>();
        _localSilo = ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        _activatedAt = Stopwatch.GetTimestamp();
        try
        {
            _store = await stores.OpenAsync(StateName, Partition, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException and not InvalidOperationException)
        {
            // Callers of the grain get the reason; AWS and RocksDB exceptions cannot cross silos as they are.
            throw new InvalidOperationException($"{StateName} partition {Partition} cannot open its state: {exception.GetType().Name}: {exception.Message}");
        }

        LoadPositions(StateKeys.HighWaterMarkRange, _highWaterMarks);
        LoadPositions(StateKeys.CoveredRange, _covered);

        // Holds a RocksDB and its caches: idle collection would only make the next event pay to reopen it.
        DelayDeactivation(TimeSpan.FromDays(3650));
        LogActivated(_logger, StateName, Partition, _highWaterMarks.Count);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return;
        }

        try
        {
            // A graceful move hands its state over: the next activation restores this snapshot, which has seen every
            // shard as far as this one did, so nothing is replayed.
            await PersistAsync([]);
        }
        catch (Exception exception)
        {
            LogHandOverFailed(_logger, StateName, Partition, exception);
        }
        finally
        {
            _store.Dispose();
            _store = null;
        }
    }

    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<KeyedEventBatch<TEvent>>().ResumeAsync(this);

    public Task OnNextAsync(KeyedEventBatch<TEvent> batch, Orleans.Streams.StreamSequenceToken? token = null)
    {
        var shardId = batch.ShardId;
        if (RequestContext.Get(StreamDeliveryContext.SourceSiloKey) is SiloAddress source)
        {
            (source.Equals(_localSilo) ? RuntimeMetrics.EventsFromLocalSilo : RuntimeMetrics.EventsFromOtherSilo).Add(batch.Count);
        }

        if (batch.From is { } from && _covered.TryGetValue(shardId, out var covered) && covered < from)
        {
            if (_gaps.Add(shardId))
            {
                RuntimeMetrics.PartitionGaps.Add(1);
                LogGap(_logger, StateName, Partition, shardId, covered.ToString(), from.ToString());
            }

            return Task.CompletedTask;
        }

        if (_gaps.Remove(shardId))
        {
            LogGapClosed(_logger, StateName, Partition, shardId);
        }

        Apply(batch);
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<TState?> GetAsync(string key) => Task.FromResult(TryGetState(key));

    public Task SetAsync(string key, TState? state)
    {
        // Written on its own, after what the stream changed: a later restore of the key replays nothing before it.
        WriteDirty();
        var store = Store;
        using var batch = store.CreateBatch();
        var stateKey = StateKeys.State(key);
        if (state is null)
        {
            _states.Remove(key);
            batch.Delete(stateKey);
        }
        else
        {
            _states[key] = state;
            batch.Put(stateKey, Serialize(state));
        }

        store.Write(batch);
        return Task.CompletedTask;
    }

    public async Task<PartitionPersistResult> PersistAsync(ShardBarrier[] barriers)
    {
        var persistStarted = Stopwatch.GetTimestamp();
        WriteDirty();
        var uncovered = new List<string>();
        var store = Store;
        using (var batch = store.CreateBatch())
        {
            foreach (var barrier in barriers)
            {
                var shardId = barrier.ShardId;
                var hasCovered = _covered.TryGetValue(shardId, out var covered);

                // The last batch sent here reached an earlier activation, not this one (restored from an older snapshot).
                if (!_gaps.Contains(shardId) && barrier.LastSent is { } lastSent && hasCovered && covered < lastSent && _gaps.Add(shardId))
                {
                    RuntimeMetrics.PartitionGaps.Add(1);
                    LogGap(_logger, StateName, Partition, shardId, covered.ToString(), lastSent.ToString());
                }

                if (_gaps.Contains(shardId))
                {
                    uncovered.Add(shardId);
                    continue;
                }

                // Every delivery up to the barrier reached this partition before this call did, and it holds the last one.
                if (barrier.IsSequenceNumber)
                {
                    var reached = new Position(barrier.Checkpoint, barrier.SubSequenceNumber);
                    if (!hasCovered || covered < reached)
                    {
                        _covered[shardId] = reached;
                        batch.Put(StateKeys.Covered(shardId), Encoding.UTF8.GetBytes(reached.ToString()));
                    }
                }
            }

            if (batch.Count > 0)
            {
                store.Write(batch);
            }
        }

        var metadata = _covered.ToDictionary(p => "covered:" + p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var stores = ServiceProvider.GetRequiredService<PartitionStateStores>();
        var started = Stopwatch.GetTimestamp();
        long snapshotBytes = 0;
        if (await stores.PersistAsync(_store!, metadata, CancellationToken.None) is { } snapshot)
        {
            snapshotBytes = snapshot.BytesUploaded;
            LogSnapshot(_logger, StateName, Partition, snapshot.Manifest.SnapshotId, snapshot.BytesUploaded, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        if (barriers.Length > 0)
        {
            MoveToShardIfSettled();
        }

        return new PartitionPersistResult([.. uncovered], TakeProgress(snapshotBytes, Stopwatch.GetElapsedTime(persistStarted)));
    }

    /// <summary>What this partition did since the previous barrier; the counts start again from zero.</summary>
    private PartitionProgress TakeProgress(long snapshotBytes, TimeSpan persistDuration)
    {
        long keys = 0, memory = 0;
        if (_store?.Store is RocksDbKeyValueStore rocks)
        {
            // RocksDB's estimate counts the shards' position marks too: leave those out.
            keys = Math.Max(0, (long)(rocks.Database.GetIntProperty("rocksdb.estimate-num-keys") ?? 0) - _highWaterMarks.Count - _covered.Count);
            memory = (long)((rocks.Database.GetIntProperty("rocksdb.cur-size-all-mem-tables") ?? 0) + (rocks.Database.GetIntProperty("rocksdb.estimate-table-readers-mem") ?? 0));
        }

        var progress = new PartitionProgress(
            StateName,
            Partition,
            keys,
            _keysWritten,
            memory,
            snapshotBytes,
            (long)persistDuration.TotalMilliseconds,
            Stopwatch.GetElapsedTime(0, _applyTicks).TotalMilliseconds,
            Stopwatch.GetElapsedTime(0, _writeTicks).TotalMilliseconds,
            _eventsApplied,
            _deadLettered);
        _keysWritten = _eventsApplied = _deadLettered = _applyTicks = _writeTicks = 0;
        return progress;
    }

    /// <summary>
    /// Leaves for the silo that reads this partition's shard, when that shard has settled there: only right after a
    /// barrier's snapshot, never during a failover or rebalancing, and not within the settle time of activating. The
    /// deactivation hands the state over (<see cref="OnDeactivateAsync"/>); the next delivery activates it there.
    /// </summary>
    private void MoveToShardIfSettled()
    {
        if (_placement?.HomeOf(Partition) is not { Stable: true } home
            || home.Silo.Equals(_localSilo)
            || Stopwatch.GetElapsedTime(_activatedAt) < MinimumStay)
        {
            return;
        }

        RuntimeMetrics.PartitionMoves.Add(1);
        LogMoving(_logger, StateName, Partition, home.Silo.ToString());
        DeactivateOnIdle();
    }

    /// <summary>A partition stays where it activated at least this long, so a shard changing hands twice does not drag it back and forth.</summary>
    private static readonly TimeSpan MinimumStay = TimeSpan.FromSeconds(5);

    private IKeyValueStore Store => _store?.Store ?? throw new InvalidOperationException($"Partition {Partition} of {StateName} is not active.");

    private void Apply(KeyedEventBatch<TEvent> batch)
    {
        var applyStarted = Stopwatch.GetTimestamp();
        var writesBefore = _writeTicks;
        var shardId = batch.ShardId;
        var hasMark = _highWaterMarks.TryGetValue(shardId, out var mark);
        var events = batch.Events;
        HashSet<int>? failed = null;

        // Events of a batch are in shard order: only a prefix can be at or below the mark (a redelivery).
        var first = 0;
        while (hasMark && first < events.Length && events[first].Info.Token <= mark)
        {
            first++;
        }

        var skipped = first;
        var applied = 0;
        for (var i = first; i < events.Length; i++)
        {
            ref readonly var keyed = ref events[i];
            var state = GetOrCreateState(keyed.Key);
            try
            {
                Apply(keyed.Key, state, keyed.Item, keyed.Info);
                applied++;
            }
            catch (Exception exception)
            {
                (failed ??= []).Add(i);
                DeadLetter(keyed, exception);
                RestoreKey(keyed.Key, events, i, failed, hasMark ? mark : null);
            }

            _dirty.Add(keyed.Key);
        }

        if (first < events.Length)
        {
            _highWaterMarks[shardId] = events[^1].Info.Token;
            _unwritten.Add(new UnwrittenBatch(batch, hasMark ? mark : null, failed));
            _unwrittenEvents += events.Length - first;
        }

        if (!_covered.TryGetValue(shardId, out var covered) || covered < batch.To)
        {
            _covered[shardId] = batch.To;
        }

        _dirtyShards.Add(shardId);

        // Written behind: many events of a key cost one put, and state and marks still move together.
        if (_dirty.Count >= _maxDirtyKeys || _unwrittenEvents >= _maxUnwrittenEvents)
        {
            WriteDirty();
        }

        RuntimeMetrics.EventsApplied.Add(applied);
        RuntimeMetrics.DuplicatesSkipped.Add(skipped);
        _eventsApplied += applied;
        _applyTicks += Stopwatch.GetTimestamp() - applyStarted - (_writeTicks - writesBefore);
    }

    /// <summary>
    /// Puts a key's state back to what it was before the event at <paramref name="failedIndex"/>: the stored state
    /// with the good events of that key since the last write applied again (the unwritten deliveries, then this
    /// one's events before the failed one).
    /// </summary>
    private void RestoreKey(string key, KeyedEvent<TEvent>[] events, int failedIndex, HashSet<int> failed, Position? mark)
    {
        var state = LoadState(key) ?? new TState();
        foreach (var unwritten in _unwritten)
        {
            Replay(key, state, unwritten.Batch.Events, unwritten.Batch.Events.Length, unwritten.Failed, unwritten.MarkBefore);
        }

        Replay(key, state, events, failedIndex, failed, mark);
        _states[key] = state;
    }

    private void Replay(string key, TState state, KeyedEvent<TEvent>[] events, int count, HashSet<int>? failed, Position? mark)
    {
        for (var j = 0; j < count; j++)
        {
            ref readonly var earlier = ref events[j];
            if (failed?.Contains(j) == true || !string.Equals(earlier.Key, key, StringComparison.Ordinal) || mark is { } m && earlier.Info.Token <= m)
            {
                continue;
            }

            Apply(key, state, earlier.Item, earlier.Info);
        }
    }

    private void DeadLetter(in KeyedEvent<TEvent> keyed, Exception exception)
    {
        var info = keyed.Info;
        var data = JsonSerializer.SerializeToUtf8Bytes(keyed.Item, StateSerializer.Options);
        var record = new StreamRecord(data, info.PartitionKey, info.Token.SequenceNumber, info.Token.SubSequenceNumber, null, info.ArrivalTime, info.ShardId);
        _deadLetters.Add(record, $"{StateName} of key '{keyed.Key}' threw {exception.GetType().Name}: {exception.Message}");
        _deadLettered++;
    }

    /// <summary>One atomic write: the changed keys' states with the high-water marks and covered positions they reach.</summary>
    private void WriteDirty()
    {
        if (_dirty.Count == 0 && _dirtyShards.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var store = Store;
        using var batch = store.CreateBatch();
        Span<byte> keyBuffer = stackalloc byte[512];
        foreach (var key in _dirty)
        {
            var value = Serialize(_states[key]);
            var maxLength = StateKeys.MaxStateKeyLength(key);
            if (maxLength <= keyBuffer.Length)
            {
                batch.Put(keyBuffer[..StateKeys.WriteState(key, keyBuffer)], value);
            }
            else
            {
                batch.Put(StateKeys.State(key), value);
            }
        }

        foreach (var shardId in _dirtyShards)
        {
            if (_highWaterMarks.TryGetValue(shardId, out var mark))
            {
                batch.Put(StateKeys.HighWaterMark(shardId), Encoding.UTF8.GetBytes(mark.ToString()));
            }

            if (_covered.TryGetValue(shardId, out var covered))
            {
                batch.Put(StateKeys.Covered(shardId), Encoding.UTF8.GetBytes(covered.ToString()));
            }
        }

        store.Write(batch);
        _keysWritten += _dirty.Count;
        _dirty.Clear();
        _dirtyShards.Clear();
        _unwritten.Clear();
        _unwrittenEvents = 0;
        var written = Stopwatch.GetTimestamp() - started;
        _writeTicks += written;
        RuntimeMetrics.StateWriteDuration.Record(Stopwatch.GetElapsedTime(0, written).TotalMilliseconds);

        // Every state in memory is clean now, so any can go; trim to 3/4 to evict in bulk.
        if (_states.Count > _maxStates)
        {
            var excess = _states.Count - _maxStates * 3 / 4;
            foreach (var key in _states.Keys.Take(excess).ToList())
            {
                _states.Remove(key);
            }
        }
    }

    private ReadOnlySpan<byte> Serialize(TState state)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        StateSerializer.Serialize(_writer, state);
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    private TState GetOrCreateState(string key)
    {
        if (!_states.TryGetValue(key, out var state))
        {
            state = LoadState(key) ?? new TState();
            _states[key] = state;
        }

        return state;
    }

    private TState? TryGetState(string key)
    {
        if (_states.TryGetValue(key, out var state))
        {
            return state;
        }

        state = LoadState(key);
        if (state is not null)
        {
            _states[key] = state;
        }

        return state;
    }

    private TState? LoadState(string key) =>
        Store.Get(StateKeys.State(key)) is { } bytes ? StateSerializer.Deserialize<TState>(bytes) : null;

    private void LoadPositions((byte[] Lower, byte[] Upper) range, Dictionary<string, Position> into)
    {
        Store.Scan(range.Lower, range.Upper, (key, value) =>
        {
            var text = Encoding.UTF8.GetString(value);
            var slash = text.LastIndexOf('/');
            into[StateKeys.ShardIdOf(key)] = new Position(text[..slash], long.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return true;
        });
    }

    /// <summary>A delivery applied but not yet written: what a key's restore after a failed event replays.</summary>
    private readonly record struct UnwrittenBatch(KeyedEventBatch<TEvent> Batch, Position? MarkBefore, HashSet<int>? Failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition} moves to {Silo}, which reads its shard")]
    private static partial void LogMoving(ILogger logger, string state, int partition, string silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{State} partition {Partition} active with the marks of {Shards} shard(s)")]
    private static partial void LogActivated(ILogger logger, string state, int partition, int shards);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition} missed events of shard {ShardId}: it has seen it up to {Covered}, the receiver sent up to {From}; its batches wait for a replay from the checkpoint")]
    private static partial void LogGap(ILogger logger, string state, int partition, string shardId, string covered, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition}: shard {ShardId} replays from its checkpoint; its batches are applied again")]
    private static partial void LogGapClosed(ILogger logger, string state, int partition, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition}: the snapshot on deactivation failed; the next activation replays from the shards' checkpoints")]
    private static partial void LogHandOverFailed(ILogger logger, string state, int partition, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{State} partition {Partition}: snapshot {SnapshotId}, {Bytes} bytes uploaded in {Milliseconds:F0} ms")]
    private static partial void LogSnapshot(ILogger logger, string state, int partition, long snapshotId, long bytes, double milliseconds);
}
