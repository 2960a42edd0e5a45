using System.Collections.Concurrent;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Views;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Streaming.Kinesis.Placement;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Streaming.Kinesis.Source.EnhancedFanOut;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// What the queue balancer and the receivers of one Kinesis stream provider share on a silo: the Kinesis client,
/// the lease table and the leases held, the fetch buffer and its workers, the checkpointer, and each shard's progress.
/// </summary>
internal sealed partial class KinesisStreamContext : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ShardProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Shard> _shards = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ShardLease> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<KinesisSequenceToken>> _deliveryFailures = new(StringComparer.Ordinal);
    private readonly List<SemaphoreSlim> _workerSlots = [];
    private readonly Dictionary<string, SemaphoreSlim> _slotOfShard = new(StringComparer.Ordinal);
    private readonly Func<RecordDecoder> _decoders;
    private volatile StreamId[] _streamIds;
    private int _activeReceivers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _handingBack = new(StringComparer.Ordinal);
    private volatile bool _stopping;

    public KinesisStreamContext(
        string providerName,
        KinesisStreamOptions options,
        KinesisClient kinesis,
        ShardLeaseTable leases,
        StreamLanes lanes,
        Func<RecordDecoder> decoders,
        Func<KinesisStreamContext, ICheckpointGate> checkpointGate,
        TimeProvider time,
        ILoggerFactory loggers,
        StreamingMonitorOptions? monitoring = null,
        IEnumerable<IStreamingQueryListener>? listeners = null,
        IEnumerable<ObservedMetricInfo>? observedMetrics = null)
    {
        ProviderName = providerName;
        Options = options;
        Kinesis = kinesis;
        Leases = leases;
        Lanes = lanes;
        _streamIds = StreamIdsOf(lanes);
        _decoders = decoders;
        Time = time;
        Loggers = loggers;
        _logger = loggers.CreateLogger<KinesisStreamContext>();
        Mapper = new KinesisQueueMapper(providerName, () => _shards.Keys);
        Buffer = new FetchBuffer(
            new FetchBufferOptions { SoftLimitBytes = options.Source.FetchBufferSize, SpillDirectory = options.SpillDirectory, MaxSpillBytes = Math.Max(options.Source.FetchBufferSize * 8, 1L << 30) },
            time);
        // A shard must keep its reader for a few taker passes before partitions follow it there.
        Placement = new ShardPlacementMap(options.PartitionCount, TimeSpan.FromSeconds(Math.Max(3, 3 * options.Source.ShardFetchInterval.TotalSeconds)), time);
        Monitor = new StreamingProgressTracker(
            options.ApplicationName,
            options.Source.StreamName,
            options.WorkerId,
            monitoring ?? new StreamingMonitorOptions(),
            observedMetrics ?? [],
            listeners ?? [],
            shardId => Checkpointer?.GetCheckpoint(shardId),
            time,
            loggers);
        Consumer = options.Source.ConsumerMode == ConsumerMode.Efo
            ? new StreamConsumerRegistration(kinesis, options.Source, options.ApplicationName, loggers.CreateLogger<StreamConsumerRegistration>())
            : null;
        Checkpointer = new ShardCheckpointer(leases, checkpointGate(this), options.WorkerId, time, loggers.CreateLogger<ShardCheckpointer>())
        {
            CycleCompleted = Monitor.CycleCompleted,
            LaneCount = lanes.Count,
            QuietBarrierInterval = options.Source.QuietBarrierInterval,
        };
    }

    public string ProviderName { get; }

    public KinesisStreamOptions Options { get; }

    public KinesisClient Kinesis { get; }

    public ShardLeaseTable Leases { get; }

    /// <summary>The partition streams of the provider's views: where a read's batches go.</summary>
    public StreamLanes Lanes { get; }

    /// <summary>The Orleans stream of a lane: (its view's namespace, its partition).</summary>
    public StreamId StreamIdOf(int lane) => _streamIds[lane];

    public FetchBuffer Buffer { get; }

    /// <summary>The enhanced fan-out consumer the shards subscribe as; null when polling.</summary>
    internal StreamConsumerRegistration? Consumer { get; }

    public ShardCheckpointer Checkpointer { get; }

    /// <summary>Progress records of this silo's commit cycles, and the listeners that hear of them.</summary>
    public StreamingProgressTracker Monitor { get; }

    public KinesisQueueMapper Mapper { get; }

    public TimeProvider Time { get; }

    /// <summary>Where partitions belong (next to their shard's reader), as the balancer last saw it.</summary>
    public ShardPlacementMap Placement { get; }

    /// <summary>This silo, set by the balancer: deliveries name it so partitions can count events that crossed silos.</summary>
    public Orleans.Runtime.SiloAddress? LocalSilo { get; internal set; }

    public ILoggerFactory Loggers { get; }

    /// <summary>
    /// Set when the silo begins to stop: the balancer takes no more leases, and each receiver releases its lease after
    /// its final checkpoint so another silo continues at once.
    /// </summary>
    public bool Stopping => _stopping;

    internal void BeginStopping() => _stopping = true;

    /// <summary>
    /// Since when the application's input is paused, as the balancer last read it from the lease table (null: it is
    /// not): the balancer takes no lease meanwhile and hands back the ones it holds (<see cref="HandBack"/>).
    /// </summary>
    public DateTimeOffset? PausedSince { get; internal set; }

    /// <summary>
    /// Lets go of a shard for a pause: its receiver stops as for a lost lease, but, the lease still being this silo's,
    /// releases it after its final checkpoint, as at a graceful stop.
    /// </summary>
    internal bool HandBack(string shardId)
    {
        if (!_held.TryRemove(shardId, out _))
        {
            return false;
        }

        _handingBack[shardId] = 0;
        return true;
    }

    /// <summary>True once for a shard <see cref="HandBack"/> let go: its receiver releases the lease.</summary>
    internal bool TakeHandBack(string shardId) => _handingBack.TryRemove(shardId, out _);

    /// <summary>Set by a receiver whose shard ended, so the balancer looks for its children at once.</summary>
    public SemaphoreSlim SyncNow { get; } = new(0);

    /// <summary>Every shard this silo has seen a receiver or a lease for, in shard order.</summary>
    public IReadOnlyCollection<ShardProgressSnapshot> Progress =>
        _progress.Values.Select(p => p.Snapshot).OrderBy(s => s.ShardId, StringComparer.Ordinal).ToList();

    /// <summary>True when every shard this silo reads is caught up or ended, and it reads at least one.</summary>
    public bool IsCaughtUp => !_progress.IsEmpty && _progress.Values.All(p => p.Snapshot.CaughtUp || p.Snapshot.State is ShardReceiverState.Stopped or ShardReceiverState.WaitingForParents);

    public ShardProgress ProgressOf(string shardId) => _progress.GetOrAdd(shardId, static id => new ShardProgress(id));

    public RecordDecoder CreateDecoder() => _decoders();

    /// <summary>Receivers of this provider between their start and the end of their shutdown (final checkpoint and lease release).</summary>
    public int ActiveReceivers => Volatile.Read(ref _activeReceivers);

    internal void ReceiverStarted() => Interlocked.Increment(ref _activeReceivers);

    internal void ReceiverStopped() => Interlocked.Decrement(ref _activeReceivers);

    /// <summary>
    /// Lays the lanes out for <paramref name="partitionCount"/> partitions (a live rescale recorded a new count): the
    /// partitions active here are handed over first (a final snapshot, then deactivated; queries may have activated
    /// some after the rescale's own hand-over), between checkpoint cycles. Only while this silo reads no shard: a
    /// receiver routes records by the count it started with.
    /// </summary>
    /// <returns>False when the lanes already had that count.</returns>
    /// <exception cref="InvalidOperationException">This silo still holds a shard lease or runs a receiver.</exception>
    public async Task<bool> AdoptPartitionCountAsync(int partitionCount, CancellationToken cancellationToken)
    {
        var adopted = false;
        await Checkpointer.ChangeLanesAsync(
            Lanes.ViewCount * partitionCount,
            async () =>
            {
                var from = Lanes.PartitionCount;
                if (from == partitionCount)
                {
                    return;
                }

                if (!_held.IsEmpty || ActiveReceivers > 0)
                {
                    throw new InvalidOperationException(
                        $"Provider {ProviderName} still reads {Math.Max(_held.Count, ActiveReceivers)} shard(s): its partition count changes only while it reads none (the application's input paused).");
                }

                var handedOver = (await Checkpointer.Gate.HandOverAsync(cancellationToken)).Partitions;
                Lanes.Resize(partitionCount);
                _streamIds = StreamIdsOf(Lanes);
                Placement.Resize(partitionCount);
                Options.PartitionCount = partitionCount;
                Checkpointer.Gate.PartitionCountChanged(partitionCount);
                LogPartitionCountAdopted(_logger, ProviderName, from, partitionCount, handedOver);
                adopted = true;
            },
            cancellationToken);
        return adopted;
    }

    private static StreamId[] StreamIdsOf(StreamLanes lanes) =>
        [.. Enumerable.Range(0, lanes.Count).Select(lane => StreamId.Create(lanes.NamespaceOf(lane), lanes.PartitionOf(lane)))];

    /// <summary>
    /// A container Orleans gave up delivering: its cache never reports it purged, so the shard's receiver counts it
    /// done here instead. The partition it was for does not hold it, and the next barrier finds that gap.
    /// </summary>
    internal void NoteDeliveryFailure(string shardId, KinesisSequenceToken token)
    {
        _deliveryFailures.GetOrAdd(shardId, static _ => new()).Enqueue(token);
        Checkpointer.RequestEarlyCycle();
    }

    internal bool TryTakeDeliveryFailure(string shardId, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out KinesisSequenceToken token)
    {
        token = null;
        return _deliveryFailures.TryGetValue(shardId, out var failures) && failures.TryDequeue(out token);
    }

    internal void NoteShards(IEnumerable<Shard> shards)
    {
        foreach (var shard in shards)
        {
            _shards[shard.ShardId] = shard;
        }
    }

    public Shard ShardOf(string shardId) =>
        _shards.TryGetValue(shardId, out var shard) ? shard : throw new InvalidOperationException($"Shard {shardId} is not known to provider {ProviderName}.");

    internal void Hold(ShardLease lease)
    {
        _handingBack.TryRemove(lease.LeaseKey, out _);
        _held[lease.LeaseKey] = lease;
    }

    internal bool Release(string shardId) => _held.TryRemove(shardId, out _);

    public bool Holds(string shardId) => _held.ContainsKey(shardId);

    public ShardLease LeaseOf(string shardId) =>
        _held.TryGetValue(shardId, out var lease) ? lease : throw new InvalidOperationException($"This silo holds no lease of shard {shardId}.");

    /// <summary>The leases this silo holds, as it last took or renewed them.</summary>
    public IReadOnlyCollection<ShardLease> HeldLeases => _held.Values.ToList();

    /// <summary>The shards whose leases this silo holds.</summary>
    public IReadOnlyCollection<string> HeldShards => _held.Keys.ToList();

    /// <summary>When the balancer last finished a pass over the shard list and the leases; null before the first.</summary>
    public DateTimeOffset? LastShardSyncAt { get; private set; }

    /// <summary>The open shards the last shard list named (not ended; children waiting for their parents included).</summary>
    public int OpenShards { get; private set; }

    /// <summary>The live silos the balancer shares the shards with (itself included), as of its last pass.</summary>
    public int ActiveSilos { get; private set; } = 1;

    internal void NoteSynced(int openShards, int activeSilos)
    {
        OpenShards = openShards;
        ActiveSilos = activeSilos;
        LastShardSyncAt = Time.GetUtcNow();
    }

    /// <summary>Shards share fetch workers in groups of ShardsPerTask: one GetRecords in flight per group.</summary>
    public SemaphoreSlim WorkerSlotOf(string shardId)
    {
        lock (_slotOfShard)
        {
            if (!_slotOfShard.TryGetValue(shardId, out var slot))
            {
                var index = _slotOfShard.Count / Options.Source.ShardsPerTask;
                if (index == _workerSlots.Count)
                {
                    _workerSlots.Add(new SemaphoreSlim(1, 1));
                }

                slot = _workerSlots[index];
                _slotOfShard[shardId] = slot;
            }

            return slot;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        Buffer.Dispose();
        Kinesis.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream provider {Provider} routes to {PartitionCount} partitions now, {From} before (a live rescale); {HandedOver} partition(s) active here were handed over first.")]
    private static partial void LogPartitionCountAdopted(ILogger logger, string provider, int from, int partitionCount, int handedOver);
}
