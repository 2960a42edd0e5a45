using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text;
using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.KeyedState.Diagnostics;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Placement;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.KeyedState.Checkpointing;
using KinesisGrains.KeyedState.EventTime;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.KeyedState.Outputs;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.KeyedState.Timers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams.Core;
using Orleans.Streams;
using Orleans;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.Partitions;

/// <summary>
/// A keyed-state partition: integer key p, implicitly subscribed to partition stream p, holding the state of every
/// key of slice p in its own RocksDB. Subclass it with the per-key logic and an
/// <c>[ImplicitStreamSubscription("namespace")]</c>; Orleans runs one call at a time, so the logic needs no locks.
/// </summary>
/// <remarks>
/// Exactly-once state: the <see cref="PartitionLedger"/> decides which batches to apply, which events are
/// redeliveries and what a barrier may vouch for; this grain applies what it admits, all or nothing, and writes the
/// changed keys in one RocksDB batch together with the ledger entries they reach (<c>docs/exactly-once.md</c>).
/// </remarks>
[ShardAffinityPlacement]
public abstract partial class KeyedStatePartitionGrain<TEvent, TState> : Grain, IKeyedStatePartition<TState>, IPartitionCheckpoint,
    IStreamSubscriptionObserver, IAsyncObserver<KeyedEventBatch<TEvent>>
    where TState : class, new()
{
    private readonly Dictionary<string, TState> _states = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly List<UnwrittenBatch> _unwritten = [];
    private readonly List<StagedDeadLetter> _batchDeadLetters = [];
    private readonly List<StagedDeadLetter> _unwrittenDeadLetters = [];
    private int _unwrittenEvents;
    private PartitionLedger _ledger = new([]);
    private (Task<long> Upload, long Epoch) _durable = (Task.FromResult(0L), 0);
    private bool _fenced;
    private (long Epoch, List<(byte[] Key, StagedDeadLetter Staged)> Letters) _deadLettersToShip = (0, []);
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer = new(Stream.Null);

    // Rows for the sinks: emitted by the batch being applied, then applied but not written, like the states. Their
    // JSON lives in one buffer until the write (no array per row); the lists hold where.
    private readonly List<(string Key, int Start, int Length)> _batchRows = [];
    private readonly List<(string Key, int Start, int Length)> _unwrittenRows = [];
    private readonly ArrayBufferWriter<byte> _emittedJson = new(4096);
    private readonly Utf8JsonWriter _emittedWriter = new(Stream.Null);
    private readonly ArrayBufferWriter<byte> _rowBuffer = new(256);
    private readonly Utf8JsonWriter _rowWriter = new(Stream.Null);
    private PartitionOutputs? _outputs;
    private Task _shipping = Task.CompletedTask;
    private int _nextRowNumber;
    private long _durableEpoch;
    private string? _applyingKey;
    private bool _replaying;
    private PartitionStore? _store;
    private IDeadLetterQueue _deadLetters = null!;
    private ILogger _logger = null!;
    private int _maxStates;
    private int _maxDirtyKeys;
    private int _maxUnwrittenEvents;
    private IPartitionPlacement? _placement;
    private SiloAddress? _localSilo;
    private long _activatedAt;

    // Event time: the partition's watermark, the timers registered or deleted since the last write, and for a state
    // time-to-live when each key was last touched (unwritten), keys created since their last write (no TTL timer
    // yet) and keys deleted (expired) since the last write.
    private PartitionWatermark _watermark = new([], null);
    private readonly PartitionTimers _timers = new();
    private readonly List<DueTimer> _dueTimers = [];
    private bool _writeBeforeFiring;
    private readonly Dictionary<string, long> _touched = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ttlUnarmed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deletedKeys = new(StringComparer.Ordinal);
    private StateTimeToLive? _ttl;
    private TimeProvider _time = TimeProvider.System;
    private int _maxTimersPerTurn;
    private TimeSpan _timerCheckInterval;
    private IGrainTimer? _timerTick;
    private bool _deleteApplyingKey;
    private KeyedEvent<TEvent>[]? _applyingEvents;
    private int _applyingIndex;

    // Since the previous checkpoint barrier, for its progress answer.
    private long _keysWritten;
    private long _eventsApplied;
    private long _deadLettered;
    private long _applyTicks;
    private long _writeTicks;
    private long _timersFired;
    private long _lateEvents;

    /// <summary>The partition number p.</summary>
    protected int Partition => (int)this.GetPrimaryKeyLong();

    /// <summary>Names this state's folder and snapshots; stable for the life of the application. Default: the class name.</summary>
    protected virtual string StateName => GetType().Name;

    /// <summary>Applies one event to its key's state (a new <typeparamref name="TState"/> for a key never seen). Throw to dead-letter the event: the key's state stays as it was before it.</summary>
    protected abstract void Apply(string key, TState state, TEvent item, in StreamEventInfo info);

    /// <summary>
    /// Called when a timer of <paramref name="key"/> registered with <see cref="RegisterTimer"/> is due: the
    /// event-time watermark or the clock passed it. Timers fire in (time, key) order after the batch that moved the
    /// watermark, each in the same atomic write as the state and rows it changes, so a replay never fires one twice.
    /// Throw and the timer is dead-lettered, the key's state as before it.
    /// </summary>
    protected virtual void OnTimer(string key, TState state, in TimerFiring timer)
    {
    }

    /// <summary>Expires a key's state after a time without events; null (the default): states live until deleted.</summary>
    protected virtual StateTimeToLive? TimeToLive => null;

    /// <summary>
    /// The partition's event-time watermark: no event older than it is expected any more (the minimum over the
    /// shards feeding it, each the newest event time it read minus the out-of-orderness; idle shards left out).
    /// Null until every shard feeding the partition has one. It never moves backwards, across restarts too.
    /// </summary>
    protected DateTimeOffset? Watermark => _watermark.Current is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>The silo's clock, as processing-time timers see it.</summary>
    protected DateTimeOffset ProcessingTime => _time.GetUtcNow();

    /// <summary>
    /// Registers a timer of the key being applied (or fired) for <paramref name="time"/> on <paramref name="domain"/>'s
    /// clock; one per key, clock and time (registering it again changes nothing). It is stored with the key's state.
    /// </summary>
    protected void RegisterTimer(TimeDomain domain, DateTimeOffset time)
    {
        var key = CurrentKey(nameof(RegisterTimer));
        if (!_replaying)
        {
            _timers.Register(domain, time.ToUnixTimeMilliseconds(), PartitionTimers.LogicPurpose, key);
        }
    }

    /// <summary>Deletes a timer of the key being applied (or fired); nothing happens when there is none.</summary>
    protected void DeleteTimer(TimeDomain domain, DateTimeOffset time)
    {
        var key = CurrentKey(nameof(DeleteTimer));
        if (!_replaying)
        {
            _timers.Delete(domain, time.ToUnixTimeMilliseconds(), PartitionTimers.LogicPurpose, key);
        }
    }

    /// <summary>Deletes the state of the key being applied (or fired) once the call returns: queries no longer see it.</summary>
    protected void DeleteState()
    {
        CurrentKey(nameof(DeleteState));
        _deleteApplyingKey = true;
    }

    /// <summary>
    /// Sends the event being applied to the side output (the dead letters, with <paramref name="reason"/>) instead of
    /// the state: for an event too late for its window. Counted; never dropped silently.
    /// </summary>
    private protected void SideOutputLate(string reason)
    {
        CurrentKey(nameof(SideOutputLate));
        if (_replaying || _applyingEvents is null)
        {
            return;
        }

        _lateEvents++;
        KeyedStateMetrics.LateEvents.Add(1);
        StageDeadLetter(_applyingEvents[_applyingIndex], reason);
    }

    private string CurrentKey(string operation) =>
        _applyingKey ?? throw new InvalidOperationException($"{StateName}: {operation} is for the key being applied or fired; call it from Apply or OnTimer.");

    /// <summary>The columns of the rows this grain emits; null when it emits none.</summary>
    private protected virtual RowSchema? EmittedSchema => null;

    /// <summary>
    /// True for a state with nothing to do until its key's next event (a key whose windows all closed): when the
    /// cache is full such states leave memory first, so it holds the keys that are still busy.
    /// </summary>
    private protected virtual bool IsIdle(TState state) => false;

    /// <summary>Whether a row emitted now is kept: a sink takes emitted rows, and the events applied are not a replay of staged ones.</summary>
    private protected bool StagesEmittedRows => !_replaying && _outputs?.StagesEmitted == true;

    /// <summary>
    /// Stages a row the logic emitted for the event being applied: it is written with the key's state and committed
    /// by the sinks once a barrier made it durable. A row of an event that throws goes with it.
    /// </summary>
    private protected void StageEmitted<TRow>(TRow row)
    {
        // A key's state rebuilt after a failed event replays earlier events: their rows are staged already.
        if (_replaying)
        {
            return;
        }

        if (_applyingKey is null)
        {
            throw new InvalidOperationException($"{StateName}: rows are emitted from Apply, for the event being applied.");
        }

        if (_outputs?.StagesEmitted != true)
        {
            return;
        }

        var start = _emittedJson.WrittenCount;
        _emittedWriter.Reset(_emittedJson);
        StateSerializer.Serialize(_emittedWriter, row);
        _emittedWriter.Flush();
        _batchRows.Add((_applyingKey, start, _emittedJson.WrittenCount - start));
    }

    /// <inheritdoc/>
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

        _ledger = PartitionLedgerStore.Load(Store);
        MergeRescaledParts();
        _watermark = PartitionWatermarkStore.Load(Store);
        _timers.Load(Store);
        _ttl = TimeToLive;
        _time = ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        _maxTimersPerTurn = options.MaxTimersPerTurn;
        _timerCheckInterval = options.TimerCheckInterval;
        // Processing-time timers and the continuation of a timer backlog (spread over turns so queries get in between).
        _timerTick = this.RegisterGrainTimer(() =>
        {
            FireDueTimers();
            return Task.CompletedTask;
        }, _timerCheckInterval, _timerCheckInterval);
        _nextRowNumber = StagedRows.NextEmittedNumber(Store, _ledger.Epoch + 1);
        var sinks = ServiceProvider.GetServices<IRowSink>().Where(s => string.Equals(s.StateName, StateName, StringComparison.Ordinal)).ToList();
        if (sinks.Count > 0)
        {
            _outputs = new PartitionOutputs(sinks, EmittedSchema, () => ChangelogSchema.Value, StateName, Partition, _logger);

            var committed = await _outputs.InitializeAsync(cancellationToken);
            if (committed > _ledger.Epoch)
            {
                if (_ledger.Epoch == 0 && _ledger.Shards.Count == 0 && _store?.Restored?.IsFallback != true)
                {
                    // A partition that never held anything (a recreated stream, a reset): nothing of it is repeated.
                    LogStartsAfterSinks(_logger, StateName, Partition, committed);
                }
                else
                {
                    // Restored behind what the sinks hold (the newest snapshot was lost or corrupt): the replayed events'
                    // rows were committed already and come again (at least once here); new rows must not reuse those epochs.
                    KeyedStateMetrics.RestoredBehindSinks.Add(1);
                    LogRestoredBehindSinks(_logger, StateName, Partition, _ledger.Epoch, committed);
                }

                _ledger.SkipEpochsTo(committed);
                _nextRowNumber = StagedRows.NextEmittedNumber(Store, _ledger.Epoch + 1);
            }

            // Rows of durable epochs a crash or a move left staged: each sink gets the epochs after its own.
            _durableEpoch = _ledger.Epoch;
            ShipStagedRows(_durableEpoch);
            if (_outputs.ShortestCommitInterval is { } interval && interval > TimeSpan.Zero)
            {
                // Sinks that wait between commits get their rows even when no barrier comes (the stream went quiet).
                this.RegisterGrainTimer(() =>
                {
                    ShipStagedRows(_durableEpoch);
                    return Task.CompletedTask;
                }, interval, interval);
            }
        }

        // What the store holds is durable (a restored snapshot) or goes with the state it holds: write out the
        // letters a crash left staged before new ones join them.
        ShipDeadLetters(StagedDeadLetters.Collect(Store));

        // Holds a RocksDB and its caches: idle collection would only make the next event pay to reopen it.
        DelayDeactivation(TimeSpan.FromDays(3650));
        LogActivated(_logger, StateName, Partition, _ledger.Shards.Count);
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            ServiceProvider.GetService<PartitionHandOvers>()?.End(this.GetGrainId());
            return;
        }

        try
        {
            // A graceful move hands its state over: the next activation restores this snapshot, which has seen every
            // shard as far as this one did, so nothing is replayed.
            var epoch = Persist([], round: false).Epoch;
            await _durable.Upload;
            var staged = _outputs is not null && StagedRows.Any(Store);
            if (_deadLettersToShip.Epoch == epoch)
            {
                ShipDeadLetters(_deadLettersToShip.Letters);
            }

            // The sinks get the hand-over epoch too; the store must outlive the hand-over.
            ShipStagedRows(epoch);
            await _shipping.WaitAsync(ShippingOnDeactivation, cancellationToken);

            // That snapshot holds the rows just handed over: the sinks take an epoch once it is durable. Once every sink
            // committed them (and they were deleted), a snapshot without them leaves nothing staged, which an offline
            // rescale needs (only a sink knows whether it has a staged row, and a new partition is another's). No event
            // or timer comes in between, so one more snapshot does it; the bound is for rows staged some other way.
            for (var round = 0; staged && round < HandOverDrainRounds && !StagedRows.Any(Store); round++)
            {
                epoch = Persist([], round: false).Epoch;
                await _durable.Upload;
                staged = StagedRows.Any(Store);
                if (staged)
                {
                    ShipStagedRows(epoch);
                    await _shipping.WaitAsync(ShippingOnDeactivation, cancellationToken);
                }
            }
        }
        catch (Exception exception)
        {
            LogHandOverFailed(_logger, StateName, Partition, exception);
        }
        finally
        {
            _store.Dispose();
            _store = null;
            ServiceProvider.GetService<PartitionHandOvers>()?.End(this.GetGrainId());
        }
    }

    /// <inheritdoc/>
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<KeyedEventBatch<TEvent>>().ResumeAsync(this);

    /// <inheritdoc/>
    public Task OnNextAsync(KeyedEventBatch<TEvent> batch, Orleans.Streams.StreamSequenceToken? token = null)
    {
        var shardId = batch.ShardId;
        if (RequestContext.Get(StreamDeliveryContext.SourceSiloKey) is SiloAddress source)
        {
            (source.Equals(_localSilo) ? KeyedStateMetrics.EventsFromLocalSilo : KeyedStateMetrics.EventsFromOtherSilo).Add(batch.Count);
        }

        var wasRefusing = _ledger.Refusing.Contains(shardId);
        var admission = _ledger.Admit(shardId, batch.From, out var newGap);
        if (!admission.Accepted)
        {
            // Its events are missing here until the replay: the shard holds the watermark meanwhile.
            _watermark.Hold(shardId);
            if (newGap)
            {
                KeyedStateMetrics.PartitionGaps.Add(1);
                LogGap(_logger, StateName, Partition, shardId, _ledger.CoverageOf(shardId).Covered?.ToString() ?? "nothing", batch.From?.ToString() ?? "origin");
            }

            return Task.CompletedTask;
        }

        if (wasRefusing)
        {
            LogGapClosed(_logger, StateName, Partition, shardId);
        }

        if (_ledger.HasInherited(shardId))
        {
            batch = WithoutInherited(batch);
        }

        try
        {
            Apply(batch, admission);

            // Only what was applied moves the watermark: a refused batch's shard is replayed, and its events must not
            // find their windows closed by a watermark read past them.
            _watermark.Observe(shardId, batch.Watermark, batch.ShardIdle);
            FireDueTimers();
        }
        catch (Exception exception)
        {
            // Rule 1: nothing of a failed batch stays. What was applied since the last write goes too (the ledger
            // goes back with it), so the partition is as it was at its last write: the shard's next batches are
            // refused as a gap and replayed, never re-applied on top of a prefix.
            DiscardUnwritten();
            LogBatchFailed(_logger, StateName, Partition, shardId, exception);
            throw new InvalidOperationException($"{StateName} partition {Partition} could not apply a batch of shard {shardId}: {exception.GetType().Name}: {exception.Message}");
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// The batch without the events a rescale's merge brought in already: each key's old partition held the shard to
    /// its own point (<see cref="InheritedFloor"/>), so a redelivery is told apart key by key until the floors are passed.
    /// </summary>
    private KeyedEventBatch<TEvent> WithoutInherited(KeyedEventBatch<TEvent> batch)
    {
        var shardId = batch.ShardId;
        var kept = new List<int>(batch.Events.Length);
        for (var i = 0; i < batch.Events.Length; i++)
        {
            // The key that chose the partition: a view routed by the primary key, or a batch keyed anew, names it apart.
            if (!_ledger.IsInherited(shardId, HashOf(batch.RoutingKeys?[i] ?? batch.Events[i].Key), batch.Events[i].Info.Token))
            {
                kept.Add(i);
            }
        }

        var rejected = Array.FindAll(batch.Rejected, r => !_ledger.IsInherited(shardId, HashOf(r.Info.PartitionKey), r.Info.Token));
        if (kept.Count == batch.Events.Length && rejected.Length == batch.Rejected.Length)
        {
            return batch;
        }

        KeyedStateMetrics.InheritedEventsSkipped.Add(batch.Events.Length - kept.Count + batch.Rejected.Length - rejected.Length);
        return batch.With(
            [.. kept.Select(i => batch.Events[i])],
            batch.RoutingKeys is { } routing ? [.. kept.Select(i => routing[i])] : null,
            rejected);

        static ulong HashOf(string key) => (ulong)(Abstractions.Partitions.PartitionMap.HashOf(key) >> 64);
    }

    /// <summary>
    /// True when <see cref="MergeParts"/> merges two parts of a key's state. A state that keeps a part of a key in each
    /// partition (the grain consumes a view routed by the primary key, or keys its batches anew) can then be rescaled
    /// down: the new partition merges the parts it was given when it opens. Snapshots say it, for the rescale to check.
    /// </summary>
    protected virtual bool MergesParts => false;

    /// <summary>Merges two parts of <paramref name="key"/>'s state, each made of other events; see <see cref="MergesParts"/>.</summary>
    protected virtual TState MergeParts(string key, TState left, TState right) =>
        throw new NotSupportedException($"{GetType().Name} does not merge parts of a key's state: override MergesParts and MergeParts.");

    /// <summary>
    /// Merges the parts of keys a rescale put here from several old partitions, once, when the partition opens: the
    /// merged states and the parts' removal in one write, so a crash before the next snapshot merges them again from it.
    /// </summary>
    private void MergeRescaledParts()
    {
        var parts = new List<(string Key, byte[] StoreKey, byte[] Value)>();
        var (lower, upper) = StateKeys.PartRange;
        Store.Scan(lower, upper, (key, value) =>
        {
            parts.Add((StateKeys.KeyOfPart(key), key.ToArray(), value.ToArray()));
            return true;
        });
        if (parts.Count == 0)
        {
            return;
        }

        if (!MergesParts)
        {
            throw new InvalidOperationException(
                $"{StateName} partition {Partition} holds parts of keys that a rescale brought from several old partitions, and {GetType().Name} does not merge parts: override MergesParts and MergeParts.");
        }

        using var batch = Store.CreateBatch();
        var keys = 0;
        foreach (var group in parts.GroupBy(p => p.Key, StringComparer.Ordinal))
        {
            TState? merged = null;
            foreach (var part in group)
            {
                var state = StateSerializer.Deserialize<TState>(part.Value)!;
                merged = merged is null ? state : MergeParts(group.Key, merged, state);
                batch.Delete(part.StoreKey);
            }

            batch.Put(StateKeys.State(group.Key), Serialize(merged!));
            keys++;
        }

        Store.Write(batch);
        LogPartsMerged(_logger, StateName, Partition, parts.Count, keys);
    }

    /// <inheritdoc/>
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc/>
    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task<TState?> GetAsync(string key) => Task.FromResult(TryGetState(key));

    /// <summary>The key's state as a query sees it (null when it has none or it expired), for queries of subclasses.</summary>
    private protected TState? StateOf(string key) => TryGetState(key);

    /// <summary>
    /// Fires the timers due on either clock in (time, key) order, each in the same write as what it changed, at most
    /// <see cref="KeyedStateOptions.MaxTimersPerTurn"/> per turn: the rest fire in the next turns, so a watermark jump
    /// that makes a million timers due does not keep queries waiting for seconds.
    /// </summary>
    private void FireDueTimers()
    {
        if (_store is null)
        {
            return;
        }

        var budget = _maxTimersPerTurn;
        foreach (var domain in s_domains)
        {
            if (NowOf(domain) is not { } now || !_timers.MayBeDue(domain, now))
            {
                continue;
            }

            // Due timers come from the store and from what was applied since the last write, so a window opened and
            // closed between two writes is written once, and its timer never. Once a timer threw, what was applied
            // goes to the store first, as a failure then takes back only its chunk.
            if (_writeBeforeFiring)
            {
                WriteDirty();
            }

            while (budget > 0)
            {
                var firedBefore = _timersFired;
                _timers.CollectDue(Store, domain, now, budget, _dueTimers);
                if (_dueTimers.Count == 0)
                {
                    break;
                }

                foreach (var due in _dueTimers)
                {
                    budget--;
                    try
                    {
                        Fire(domain, due);
                    }
                    catch (Exception exception)
                    {
                        // Everything since the last write goes: the batches come again from the replay, the chunk
                        // fires again, and from now on after a write, so a failure costs only its chunk. A stored
                        // timer leaves with a dead letter, so one bad timer cannot stop the rest; one registered since
                        // the last write is registered again by the replay, and leaves when it fires stored.
                        DiscardUnwritten();
                        _writeBeforeFiring = true;
                        if (due.Stored)
                        {
                            QuarantineTimer(domain, due.Time, due.Purpose, due.Key, exception);
                        }
                        else
                        {
                            LogUnwrittenTimerFailed(_logger, StateName, Partition, due.Key, domain, due.Time, exception);
                        }

                        break;
                    }
                }

                // One measurement per chunk: a listener per timer cost as much as a tenth of the firing.
                KeyedStateMetrics.TimersFired.Add(_timersFired - firedBefore);
                if (budget > 0)
                {
                    // All due fired: what they closed goes to the store now, before the next windows fill. A backlog
                    // left for the next turns is written behind, so the timers it registered need no put of their own.
                    WriteDirty();
                }
                else
                {
                    WriteBehind();
                }
            }
        }

        if (budget <= 0)
        {
            _timerTick?.Change(TimeSpan.FromMilliseconds(1), _timerCheckInterval);
        }
    }

    private static readonly TimeDomain[] s_domains = [TimeDomain.EventTime, TimeDomain.ProcessingTime];

    private long? NowOf(TimeDomain domain) =>
        domain == TimeDomain.EventTime ? _watermark.Current : _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Fire(TimeDomain domain, in DueTimer due)
    {
        var (time, purpose, key) = (due.Time, due.Purpose, due.Key);
        _timers.Fired(domain, due);
        _timersFired++;
        if (purpose == PartitionTimers.TimeToLivePurpose)
        {
            ExpireIfDue(key);
            return;
        }

        var state = GetOrCreateState(key);
        try
        {
            _applyingKey = key;
            OnTimer(key, state, new TimerFiring(domain, DateTimeOffset.FromUnixTimeMilliseconds(time)));
        }
        finally
        {
            _applyingKey = null;
        }

        _unwrittenRows.AddRange(_batchRows);
        _batchRows.Clear();
        if (_deleteApplyingKey)
        {
            _deleteApplyingKey = false;
            DeleteKey(key);
        }
        else
        {
            _dirty.Add(key);
        }
    }

    /// <summary>Removes a timer whose logic threw, with a dead letter saying so, in one write.</summary>
    private void QuarantineTimer(TimeDomain domain, long time, byte purpose, string key, Exception exception)
    {
        LogTimerFailed(_logger, StateName, Partition, key, domain, time, exception);
        var letter = new DeadLetter(
            $"timer/{domain}", time.ToString(System.Globalization.CultureInfo.InvariantCulture), purpose, key,
            DateTimeOffset.FromUnixTimeMilliseconds(time), DateTimeOffset.UtcNow,
            $"{StateName} timer of key '{key}' at {DateTimeOffset.FromUnixTimeMilliseconds(time):O} ({domain}) threw {exception.GetType().Name}: {exception.Message}",
            "");
        using var batch = Store.CreateBatch();
        batch.Delete(StateKeys.Timer((byte)domain, time, purpose, key));
        StagedDeadLetters.Put(batch, [new StagedDeadLetter(_ledger.Epoch + 1, letter)]);
        Store.Write(batch);
        _deadLettered++;
    }

    /// <summary>A key's time-to-live timer: the state goes when no event touched it since, else the timer moves to its new expiry.</summary>
    private void ExpireIfDue(string key)
    {
        if (_ttl is not { } ttl || TouchedOf(key) is not { } touched)
        {
            return;
        }

        var expiry = ttl.ExpiryOf(touched);
        if (NowOf(ttl.Domain) is { } now && expiry <= now)
        {
            DeleteKey(key);
            KeyedStateMetrics.StatesExpired.Add(1);
        }
        else
        {
            _timers.Register(ttl.Domain, expiry, PartitionTimers.TimeToLivePurpose, key);
        }
    }

    /// <summary>When <paramref name="key"/> was last touched (ms), for its time-to-live; null when it has no state or predates the TTL.</summary>
    private long? TouchedOf(string key)
    {
        if (_deletedKeys.Contains(key))
        {
            return null;
        }

        return _touched.TryGetValue(key, out var touched) ? touched
            : Store.Get(StateKeys.Touched(key)) is { Length: sizeof(long) } bytes ? System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes) : null;
    }

    /// <summary>True when <paramref name="key"/>'s time-to-live ran out (its state is invisible, whether or not its timer fired yet).</summary>
    private bool IsExpired(string key) =>
        _ttl is { } ttl && TouchedOf(key) is { } touched && NowOf(ttl.Domain) is { } now && ttl.ExpiryOf(touched) <= now;

    /// <summary>Starts (or restarts) <paramref name="key"/>'s time-to-live at <paramref name="time"/> (ms on the TTL's clock).</summary>
    private void Touch(string key, long time)
    {
        if (_ttl is not { } ttl)
        {
            return;
        }

        if (!_touched.TryGetValue(key, out var previous) || time > previous)
        {
            _touched[key] = time;
        }

        // One timer per key: when it fires it looks at the key's last touch and moves itself if need be.
        if (_ttlUnarmed.Remove(key))
        {
            _timers.Register(ttl.Domain, ttl.ExpiryOf(time), PartitionTimers.TimeToLivePurpose, key);
        }
    }

    /// <summary>Deletes a key's state at the next write (with a changelog delete); queries stop seeing it at once.</summary>
    private void DeleteKey(string key)
    {
        _states.Remove(key);
        _dirty.Remove(key);
        _touched.Remove(key);
        _ttlUnarmed.Remove(key);
        _deletedKeys.Add(key);
    }

    /// <inheritdoc/>
    public async Task SetAsync(string key, TState? state)
    {
        // Written on its own, after what the stream changed: a later restore of the key replays nothing before it.
        WriteDirty();
        var store = Store;
        using var batch = store.CreateBatch();
        var stateKey = StateKeys.State(key);
        _deletedKeys.Remove(key);
        if (state is null)
        {
            _states.Remove(key);
            batch.Delete(stateKey);
            batch.Delete(StateKeys.Touched(key));
            StageChangelog(batch, key, []);
        }
        else
        {
            _states[key] = state;
            var value = Serialize(state);
            batch.Put(stateKey, value);
            StageChangelog(batch, key, value);
            if (_ttl is { } ttl && NowOf(ttl.Domain) is { } now)
            {
                // A state written by a call lives as long as one an event touched now.
                var touched = new byte[sizeof(long)];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(touched, now);
                batch.Put(StateKeys.Touched(key), touched);
                _timers.Register(ttl.Domain, ttl.ExpiryOf(now), PartitionTimers.TimeToLivePurpose, key);
                _timers.Put(batch);
            }
        }

        store.Write(batch);

        // Durable when the call returns (rule 6): a snapshot, or the WAL synced to disk.
        await MakeDurableAsync();
    }

    /// <inheritdoc/>
    public Task<ShardPosition?> GetCoveredAsync(string shardId) => Task.FromResult(_ledger.CoverageOf(shardId).Covered);

    /// <inheritdoc/>
    public Task HandOverAsync()
    {
        LogHandingOver(_logger, StateName, Partition);
        ServiceProvider.GetService<PartitionHandOvers>()?.Begin(this.GetGrainId());
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<PartitionPersistResult> PersistAsync(ShardBarrier[] barriers) => Task.FromResult(Persist(barriers, round: true));

    /// <param name="round">A checkpointer's barrier round, which names every open shard the partition reads; false for
    /// the hand-over on deactivation, which names none: an activation that never heard a round (woken by a query, or
    /// restored from an older snapshot) knows only the shards its image knows, and must not move its watermark on them.</param>
    private PartitionPersistResult Persist(ShardBarrier[] barriers, bool round)
    {
        if (_fenced)
        {
            DeactivateOnIdle();
            throw new InvalidOperationException($"{StateName} partition {Partition}: a newer activation owns its snapshots; this one vouches for nothing.");
        }

        var persistStarted = Stopwatch.GetTimestamp();
        WriteDirty();
        var gaps = new List<ShardGap>();
        var watermarkMoved = false;

        // Named shards first: a child named in its parent's ending round must be known before the parent's end lets
        // the watermark move, so it starts where the parent held it, not where the other shards alone would take it.
        foreach (var barrier in barriers)
        {
            if (barrier.OpenElsewhere)
            {
                // Claims nothing: the shard is open and read by another round; the watermark counts it from now on
                // (a child named at its parent's end: from the parent's last watermark when the partition has none).
                _watermark.Know(barrier.ShardId, barrier.Watermark);
            }
        }

        foreach (var barrier in barriers)
        {
            if (barrier.OpenElsewhere)
            {
                continue;
            }

            var known = _ledger.Refusing.Contains(barrier.ShardId);
            if (_ledger.Vouch(barrier) is not { } gap)
            {
                // Vouched: every event of the shard up to the barrier is here, so its watermark may count.
                watermarkMoved |= _watermark.Observe(barrier.ShardId, barrier.Watermark, barrier.Idle, barrier.Ended);
            }
            else
            {
                gaps.Add(gap);
                _watermark.Hold(barrier.ShardId);
                if (!known)
                {
                    KeyedStateMetrics.PartitionGaps.Add(1);
                }

                LogUncovered(_logger, StateName, Partition, barrier.ShardId, gap.HoldsUpTo?.ToString() ?? "nothing", barrier.LastSent?.ToString() ?? "origin");
            }
        }

        if (round)
        {
            watermarkMoved |= _watermark.OpenShardsHeard();
        }

        var epoch = _ledger.NextEpoch();
        _nextRowNumber = 0;
        using (var ledgerBatch = Store.CreateBatch())
        {
            PartitionLedgerStore.Put(ledgerBatch, _ledger);
            PartitionWatermarkStore.Put(ledgerBatch, _watermark);
            Store.Write(ledgerBatch);
        }

        if (watermarkMoved)
        {
            // Timers the barrier's watermark made due fire in the next turn (after this epoch's snapshot point).
            _timerTick?.Change(TimeSpan.FromMilliseconds(1), _timerCheckInterval);
        }
        // Collected in the same step as the checkpoint: exactly the letters its snapshot holds, shipped once it is durable.
        _deadLettersToShip = (epoch, StagedDeadLetters.Collect(Store));
        StartDurable();
        if (barriers.Length > 0)
        {
            // The move's hand-over snapshot follows this one (uploads run in order) before the next activation opens.
            MoveToShardIfSettled();
        }

        return new PartitionPersistResult([.. gaps], TakeProgress(0, Stopwatch.GetElapsedTime(persistStarted)), epoch);
    }

    /// <inheritdoc/>
    public async Task<PartitionDurableResult> AwaitDurableAsync(long epoch)
    {
        // Uploads run in order, so waiting for the newest one started covers every earlier epoch.
        var (uploading, startedFor) = _durable;
        if (startedFor < epoch)
        {
            throw new InvalidOperationException($"{StateName} partition {Partition} has no barrier of epoch {epoch} (the newest is {startedFor}): it was deactivated in between.");
        }

        long bytes;
        try
        {
            bytes = await uploading;
        }
        catch (SnapshotFencedException)
        {
            DeactivateOnIdle();
            throw;
        }

        // A later barrier collected again (it holds these letters too, since they are deleted only once shipped).
        if (_deadLettersToShip.Epoch == epoch)
        {
            ShipDeadLetters(_deadLettersToShip.Letters);
            _deadLettersToShip = (0, []);
        }

        // The sinks commit with the checkpoints: the barrier's shard checkpoints move after this epoch's rows are committed.
        if (_outputs is not { } outputs)
        {
            return new PartitionDurableResult(bytes, null);
        }

        _durableEpoch = Math.Max(_durableEpoch, epoch);
        ShipStagedRows(epoch);
        await _shipping;
        return new PartitionDurableResult(bytes, outputs.TakeProgress(_ledger.Epoch));
    }

    /// <summary>Hands the rows of durable epochs up to <paramref name="epoch"/> to the sinks after any hand-over in progress (in the grain's context, between its turns).</summary>
    private void ShipStagedRows(long epoch)
    {
        if (_outputs is not { } outputs)
        {
            return;
        }

        var previous = _shipping;
        _shipping = ShipAsync();

        async Task ShipAsync()
        {
            await previous;
            await outputs.ShipAsync(() => _store?.Store, epoch);
        }
    }

    private static readonly TimeSpan ShippingOnDeactivation = TimeSpan.FromSeconds(30);

    /// <summary>Snapshots a hand-over takes at most after its first to leave no row staged (see <see cref="OnDeactivateAsync"/>).</summary>
    private const int HandOverDrainRounds = 3;

    private static readonly Lazy<RowSchema> ChangelogSchema = new(() => RowSchema.Changelog(typeof(TState)));

    /// <summary>Stages <paramref name="key"/>'s changelog row for the next epoch, from its serialized state (empty: the key was deleted).</summary>
    private void StageChangelog(IKeyValueBatch batch, string key, ReadOnlySpan<byte> stateJson)
    {
        if (_outputs?.StagesChangelog == true)
        {
            StagedRows.PutChangelog(batch, _ledger.Epoch + 1, key, ChangelogRow.Write(_rowBuffer, _rowWriter, key, stateJson));
            KeyedStateMetrics.RowsStaged.Add(1);
        }
    }

    /// <summary>Makes everything written so far durable and waits for it (a write call, a hand-over).</summary>
    private async Task MakeDurableAsync()
    {
        var letters = StagedDeadLetters.Collect(Store);
        StartDurable();
        await _durable.Upload;
        ShipDeadLetters(letters);
    }

    /// <summary>
    /// Starts making everything written so far durable: a local RocksDB checkpoint in this turn, uploaded to S3 with
    /// the ledger's coverage outside it (or the local WAL synced, without a bucket). <see cref="_durable"/> completes
    /// when it is.
    /// </summary>
    private void StartDurable()
    {
        var metadata = SnapshotMetadata.Of(_ledger, MergesParts, _ttl is { } ttl ? SnapshotMetadata.Format(ttl) : null);
        var stores = ServiceProvider.GetRequiredService<PartitionStateStores>();
        var prepared = stores.PrepareSnapshot(_store!);
        var previous = _durable.Upload;
        _durable = (Task.Run(() => UploadAsync(stores, prepared, metadata, previous)), _ledger.Epoch);
    }

    private async Task<long> UploadAsync(PartitionStateStores stores, PreparedSnapshot prepared, Dictionary<string, string> metadata, Task<long> previous)
    {
        // An earlier upload that failed does not matter to this one, which covers everything it held.
        await previous.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var started = Stopwatch.GetTimestamp();
        SnapshotUploadResult? snapshot;
        try
        {
            snapshot = await stores.UploadAsync(prepared, metadata, CancellationToken.None);
        }
        catch (SnapshotFencedException)
        {
            // Rule 5: a newer activation owns this partition's snapshots (this one is a zombie): it must not go on.
            LogFenced(_logger, StateName, Partition);
            _fenced = true;
            throw;
        }

        if (snapshot is null)
        {
            return 0;
        }

        LogSnapshot(_logger, StateName, Partition, snapshot.Manifest.SnapshotId, snapshot.BytesUploaded, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return snapshot.BytesUploaded;
    }

    /// <summary>What this partition did since the previous barrier; the counts start again from zero.</summary>
    private PartitionProgress TakeProgress(long snapshotBytes, TimeSpan persistDuration)
    {
        long keys = 0, memory = 0;
        if (_store?.Store is RocksDbKeyValueStore rocks)
        {
            // RocksDB's estimate counts the shards' position marks too: leave those out.
            keys = Math.Max(0, (long)(rocks.Database.GetIntProperty("rocksdb.estimate-num-keys") ?? 0) - 2 * _ledger.Shards.Count - 1);
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
            _deadLettered,
            Watermark: Watermark,
            TimersFired: _timersFired,
            LateEvents: _lateEvents);
        _keysWritten = _eventsApplied = _deadLettered = _applyTicks = _writeTicks = _timersFired = _lateEvents = 0;
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

        KeyedStateMetrics.PartitionMoves.Add(1);
        LogMoving(_logger, StateName, Partition, home.Silo.ToString());
        DeactivateOnIdle();
    }

    /// <summary>A partition stays where it activated at least this long, so a shard changing hands twice does not drag it back and forth.</summary>
    private static readonly TimeSpan MinimumStay = TimeSpan.FromSeconds(5);

    private IKeyValueStore Store => _store?.Store ?? throw new InvalidOperationException($"Partition {Partition} of {StateName} is not active.");

    /// <summary>
    /// Applies an admitted batch, all or nothing (rule 1): an event whose logic throws, or whose key's stored state
    /// cannot be read, is dead-lettered and leaves its key as before it; anything else that throws leaves the ledger
    /// unmoved for the caller to discard. The ledger moves, and the batch's dead letters are written, only at the end.
    /// </summary>
    private void Apply(KeyedEventBatch<TEvent> batch, BatchAdmission admission)
    {
        var applyStarted = Stopwatch.GetTimestamp();
        var writesBefore = _writeTicks;
        var shardId = batch.ShardId;
        var events = batch.Events;
        HashSet<int>? failed = null;
        _batchDeadLetters.Clear();

        // Events of a batch are in shard order: only a prefix can be at or below the mark (a redelivery).
        var first = 0;
        while (first < events.Length && !admission.IsNew(events[first].Info.Token))
        {
            first++;
        }

        var skipped = first;
        var applied = 0;
        var logicFailures = 0;
        Position? lastNew = first < events.Length ? events[^1].Info.Token : null;
        foreach (var rejected in batch.Rejected)
        {
            // Records the message handler rejected: dead-lettered once, skipped like events when read again.
            if (admission.IsNew(rejected.Info.Token))
            {
                StageDeadLetter(rejected.Info, rejected.Data, rejected.Reason);
                lastNew = ShardCoverage.Max(lastNew, rejected.Info.Token);
            }
        }

        for (var i = first; i < events.Length; i++)
        {
            ref readonly var keyed = ref events[i];
            TState state;
            try
            {
                state = GetOrCreateState(keyed.Key);
            }
            catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
            {
                // A stored state that no longer deserializes (e.g. a required field added to the state type): the
                // event cannot be applied to it, and the stored state stays for an operator to look at.
                (failed ??= []).Add(i);
                logicFailures++;
                StageDeadLetter(keyed, $"the stored state of key '{keyed.Key}' cannot be read as {typeof(TState).Name}: {exception.Message}");
                continue;
            }

            var rowsBefore = _batchRows.Count;
            var timersBefore = _timers.PendingCount;
            var lettersBefore = _batchDeadLetters.Count;
            var lateBefore = _lateEvents;
            try
            {
                _applyingKey = keyed.Key;
                _applyingEvents = events;
                _applyingIndex = i;
                Apply(keyed.Key, state, keyed.Item, keyed.Info);
                applied++;
            }
            catch (Exception exception)
            {
                // Nothing the event did stays: its rows, timers and side output go with its state change.
                _batchRows.RemoveRange(rowsBefore, _batchRows.Count - rowsBefore);
                _timers.TruncateTo(timersBefore);
                _batchDeadLetters.RemoveRange(lettersBefore, _batchDeadLetters.Count - lettersBefore);
                _lateEvents = lateBefore;
                _deleteApplyingKey = false;
                (failed ??= []).Add(i);
                logicFailures++;
                StageDeadLetter(keyed, $"{StateName} of key '{keyed.Key}' threw {exception.GetType().Name}: {exception.Message}");
                RestoreKey(keyed.Key, events, i, failed, admission.SkipUpTo);
                _dirty.Add(keyed.Key);
                continue;
            }
            finally
            {
                _applyingKey = null;
                _applyingEvents = null;
            }

            if (_deleteApplyingKey)
            {
                _deleteApplyingKey = false;
                DeleteKey(keyed.Key);
                continue;
            }

            if (_ttl is { } ttl)
            {
                Touch(keyed.Key, ttl.Domain == TimeDomain.EventTime ? keyed.Info.EventTime.ToUnixTimeMilliseconds() : _time.GetUtcNow().ToUnixTimeMilliseconds());
            }

            _dirty.Add(keyed.Key);
        }

        _unwrittenRows.AddRange(_batchRows);
        _batchRows.Clear();

        if (first < events.Length)
        {
            _unwritten.Add(new UnwrittenBatch(batch, admission.SkipUpTo, failed));
            _unwrittenEvents += events.Length - first;
        }

        // The batch's dead letters go into the store with the state and marks they belong to (rule 1).
        _unwrittenDeadLetters.AddRange(_batchDeadLetters);
        _deadLettered += logicFailures;
        _batchDeadLetters.Clear();
        _ledger.Commit(shardId, lastNew, batch.To);

        WriteBehind();

        KeyedStateMetrics.EventsApplied.Add(applied);
        KeyedStateMetrics.DuplicatesSkipped.Add(skipped);
        _eventsApplied += applied;
        _applyTicks += Stopwatch.GetTimestamp() - applyStarted - (_writeTicks - writesBefore);
    }

    /// <summary>
    /// Forgets everything applied since the last write: states, unwritten batches and the ledger go back to what
    /// the store holds.
    /// </summary>
    private void DiscardUnwritten()
    {
        _states.Clear();
        _dirty.Clear();
        _unwritten.Clear();
        _unwrittenEvents = 0;
        _batchDeadLetters.Clear();
        _unwrittenDeadLetters.Clear();
        _batchRows.Clear();
        _unwrittenRows.Clear();
        _emittedJson.ResetWrittenCount();
        _touched.Clear();
        _ttlUnarmed.Clear();
        _deletedKeys.Clear();
        _ledger = PartitionLedgerStore.Load(Store);
        var heard = _watermark.HasHeardOpenShards;
        _watermark = PartitionWatermarkStore.Load(Store);
        if (heard)
        {
            // The shards a round named were written with its barrier: still known, so the watermark may still move.
            _watermark.OpenShardsHeard();
        }

        _timers.Load(Store);
    }

    /// <summary>
    /// Puts a key's state back to what it was before the event at <paramref name="failedIndex"/>: the stored state
    /// with the good events of that key since the last write applied again (the unwritten deliveries, then this
    /// one's events before the failed one).
    /// </summary>
    private void RestoreKey(string key, KeyedEvent<TEvent>[] events, int failedIndex, HashSet<int> failed, Position? mark)
    {
        var state = LoadState(key) ?? new TState();
        _replaying = true;
        try
        {
            foreach (var unwritten in _unwritten)
            {
                Replay(key, state, unwritten.Batch.Events, unwritten.Batch.Events.Length, unwritten.Failed, unwritten.MarkBefore);
            }

            Replay(key, state, events, failedIndex, failed, mark);
        }
        finally
        {
            _replaying = false;
        }

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

    private void StageDeadLetter(in KeyedEvent<TEvent> keyed, string reason) =>
        StageDeadLetter(keyed.Info, JsonSerializer.SerializeToUtf8Bytes(keyed.Item, StateSerializer.Options), reason);

    /// <summary>
    /// Stages a dead letter of the batch being applied: with the batch, it goes into the store's next write with the
    /// state and marks (<see cref="StagedDeadLetters.Put"/>), and is written out once a barrier made it durable.
    /// </summary>
    private void StageDeadLetter(in StreamEventInfo info, byte[] data, string reason)
    {
        var letter = new DeadLetter(
            info.ShardId, info.Token.SequenceNumber, info.Token.SubSequenceNumber, info.PartitionKey, info.ArrivalTime, DateTimeOffset.UtcNow, reason, Convert.ToBase64String(data));
        _batchDeadLetters.Add(new StagedDeadLetter(_ledger.Epoch + 1, letter));
    }

    /// <summary>
    /// Writes out dead letters a barrier made durable (<see cref="StagedDeadLetters.Collect"/> before it), one file per
    /// epoch they were staged for, then deletes them from the store. Idempotent: a crash before the delete is durable
    /// hands the same letters over again, and the queue leaves out what it has. On failure they stay staged for the
    /// next barrier.
    /// </summary>
    private void ShipDeadLetters(List<(byte[] Key, StagedDeadLetter Staged)> letters)
    {
        if (letters.Count == 0 || _store is not { } store)
        {
            return;
        }

        var source = PartitionStateStores.PartitionIdOf(StateName, Partition);
        try
        {
            foreach (var epoch in letters.GroupBy(l => l.Staged.Epoch).OrderBy(g => g.Key))
            {
                _deadLetters.Write(new DeadLetterBatch(source, epoch.Key, [.. epoch.Select(l => l.Staged.Letter)]));
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogDeadLettersNotWritten(_logger, StateName, Partition, letters.Count, exception);
            return;
        }

        using var batch = store.Store.CreateBatch();
        foreach (var (key, _) in letters)
        {
            batch.Delete(key);
        }

        store.Store.Write(batch);
    }

    /// <summary>Written behind: many events (and firings) of a key cost one put, and state and ledger still move together.</summary>
    private void WriteBehind()
    {
        if (_dirty.Count + _deletedKeys.Count >= _maxDirtyKeys || _timers.ChangedCount >= _maxDirtyKeys || _unwrittenEvents >= _maxUnwrittenEvents)
        {
            WriteDirty();
        }
    }

    /// <summary>One atomic write: the changed keys' states with the high-water marks and covered positions they reach.</summary>
    private void WriteDirty()
    {
        if (_dirty.Count == 0 && !_ledger.HasChanges && _unwrittenDeadLetters.Count == 0 && _unwrittenRows.Count == 0
            && _deletedKeys.Count == 0 && _timers.PendingCount == 0 && !_watermark.HasChanges && _touched.Count == 0)
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

            StageChangelog(batch, key, value);
        }

        foreach (var key in _deletedKeys)
        {
            batch.Delete(StateKeys.State(key));
            batch.Delete(StateKeys.Touched(key));
            StageChangelog(batch, key, []);
        }

        Span<byte> touchedValue = stackalloc byte[sizeof(long)];
        foreach (var (key, touched) in _touched)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(touchedValue, touched);
            batch.Put(StateKeys.Touched(key), touchedValue);
        }

        _timers.Put(batch);
        PartitionWatermarkStore.Put(batch, _watermark);

        // The rows go with the states and marks of the events that emitted them (staged for the next barrier's epoch).
        foreach (var (key, start, length) in _unwrittenRows)
        {
            StagedRows.PutEmitted(batch, _ledger.Epoch + 1, _nextRowNumber++, key, _emittedJson.WrittenSpan.Slice(start, length), _rowBuffer);
        }

        KeyedStateMetrics.RowsStaged.Add(_unwrittenRows.Count);
        _unwrittenRows.Clear();
        _emittedJson.ResetWrittenCount();

        StagedDeadLetters.Put(batch, _unwrittenDeadLetters);
        _unwrittenDeadLetters.Clear();
        PartitionLedgerStore.Put(batch, _ledger);
        store.Write(batch);
        _keysWritten += _dirty.Count + _deletedKeys.Count;
        _dirty.Clear();
        _deletedKeys.Clear();
        _touched.Clear();
        _unwritten.Clear();
        _unwrittenEvents = 0;
        var written = Stopwatch.GetTimestamp() - started;
        _writeTicks += written;
        KeyedStateMetrics.StateWriteDuration.Record(Stopwatch.GetElapsedTime(0, written).TotalMilliseconds);

        // Every state in memory is clean now, so any can go; trim to 3/4 to evict in bulk, idle states first.
        if (_states.Count > _maxStates)
        {
            foreach (var key in _states.Where(s => IsIdle(s.Value)).Select(s => s.Key).Take(_states.Count - _maxStates * 3 / 4).ToList())
            {
                _states.Remove(key);
            }

            foreach (var key in _states.Keys.Take(_states.Count - _maxStates * 3 / 4).ToList())
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
            // A key deleted or expired (its timer may not have fired yet) starts again from nothing.
            var gone = _deletedKeys.Remove(key) || IsExpired(key);
            state = gone ? null : LoadState(key);
            if (state is null)
            {
                state = new TState();
                if (_ttl is not null)
                {
                    _ttlUnarmed.Add(key);
                }
            }

            _states[key] = state;
        }

        return state;
    }

    private TState? TryGetState(string key)
    {
        if (_deletedKeys.Contains(key) || IsExpired(key))
        {
            return null;
        }

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

    /// <summary>A delivery applied but not yet written: what a key's restore after a failed event replays.</summary>
    private readonly record struct UnwrittenBatch(KeyedEventBatch<TEvent> Batch, Position? MarkBefore, HashSet<int>? Failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition} was restored at epoch {Epoch}, behind epoch {Committed} its sinks committed (an older snapshot): rows of the events it replays may be committed again; its next epochs follow {Committed}")]
    private static partial void LogRestoredBehindSinks(ILogger logger, string state, int partition, long epoch, long committed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition} starts empty; its sinks hold epochs up to {Committed} of an earlier run, so its epochs follow {Committed}")]
    private static partial void LogStartsAfterSinks(ILogger logger, string state, int partition, long committed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition} merged {Parts} parts of {Keys} keys that a rescale brought from several old partitions")]
    private static partial void LogPartsMerged(ILogger logger, string state, int partition, int parts, int keys);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition} moves to {Silo}, which reads its shard")]
    private static partial void LogMoving(ILogger logger, string state, int partition, string silo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{State} partition {Partition} active with the marks of {Shards} shard(s)")]
    private static partial void LogActivated(ILogger logger, string state, int partition, int shards);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition} missed events of shard {ShardId}: it has seen it up to {Covered}, the receiver sent up to {From}; its batches wait for a replay from the checkpoint")]
    private static partial void LogGap(ILogger logger, string state, int partition, string shardId, string covered, string from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition} cannot vouch for shard {ShardId}: it holds it up to {HoldsUpTo}, its last batch ended at {LastSent}; the shard is replayed from there")]
    private static partial void LogUncovered(ILogger logger, string state, int partition, string shardId, string holdsUpTo, string lastSent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition}: a newer activation owns its snapshots; this one deactivates without vouching")]
    private static partial void LogFenced(ILogger logger, string state, int partition);

    [LoggerMessage(Level = LogLevel.Error, Message = "{State} partition {Partition}: a batch of shard {ShardId} failed; what was applied since the last write is discarded and replayed")]
    private static partial void LogBatchFailed(ILogger logger, string state, int partition, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition}: shard {ShardId} replays from where it holds it; its batches are applied again")]
    private static partial void LogGapClosed(ILogger logger, string state, int partition, string shardId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{State} partition {Partition}: handing over (a tool changes the paused application's state); deactivating after a final snapshot")]
    private static partial void LogHandingOver(ILogger logger, string state, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition}: the snapshot on deactivation failed; the next activation replays from the shards' checkpoints")]
    private static partial void LogHandOverFailed(ILogger logger, string state, int partition, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{State} partition {Partition}: writing {Count} dead letter(s) out failed; they stay in its store for the next barrier")]
    private static partial void LogDeadLettersNotWritten(ILogger logger, string state, int partition, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{State} partition {Partition}: the timer of key '{Key}' at {Time} ({Domain}) threw; it is dead-lettered and the key's state stays as before it")]
    private static partial void LogTimerFailed(ILogger logger, string state, int partition, string key, TimeDomain domain, long time, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{State} partition {Partition}: the timer of key '{Key}' at {Time} ({Domain}) threw before it was written; what was applied since the last write is replayed and, from now on, written before timers fire, so the timer fires again stored and is dead-lettered")]
    private static partial void LogUnwrittenTimerFailed(ILogger logger, string state, int partition, string key, TimeDomain domain, long time, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{State} partition {Partition}: snapshot {SnapshotId}, {Bytes} bytes uploaded in {Milliseconds:F0} ms")]
    private static partial void LogSnapshot(ILogger logger, string state, int partition, long snapshotId, long bytes, double milliseconds);
}
