using System.Collections.Concurrent;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source.Buffering;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Source;

/// <summary>
/// Maps the stream's shards to receivers: keeps the shard list fresh, creates a lease per shard, takes free or
/// abandoned leases, and starts a shard's receiver only once every parent shard has been read to its end, so each
/// key's order survives resharding. Checkpoints are written by the <see cref="ShardCheckpointer"/>.
/// </summary>
public sealed partial class KinesisStreamSource : BackgroundService
{
    private readonly KinesisClient _kinesis;
    private readonly ShardLeaseTable _leases;
    private readonly IStreamBatchProcessor _processor;
    private readonly KinesisSourceOptions _options;
    private readonly string _workerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FetchBuffer _buffer;
    private readonly ConcurrentDictionary<string, ShardProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Task Task, CancellationTokenSource Stop)> _running = new(StringComparer.Ordinal);
    private readonly LeaseExpiryObserver _expiry;
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly List<SemaphoreSlim> _workerSlots = [];
    private readonly Dictionary<string, SemaphoreSlim> _slotOfShard = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _syncNow = new(0);

    public KinesisStreamSource(
        KinesisClient kinesis,
        ShardLeaseTable leases,
        IStreamBatchProcessor processor,
        ShardCheckpointer checkpointer,
        KinesisSourceOptions options,
        string workerId,
        string spillDirectory,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _kinesis = kinesis;
        _leases = leases;
        _processor = processor;
        Checkpointer = checkpointer;
        _options = options;
        _workerId = workerId;
        _time = time;
        _logger = loggerFactory.CreateLogger<KinesisStreamSource>();
        _expiry = new LeaseExpiryObserver(options.LeaseFailoverTime, time);
        _buffer = new FetchBuffer(
            new FetchBufferOptions { SoftLimitBytes = options.FetchBufferSize, SpillDirectory = spillDirectory, MaxSpillBytes = Math.Max(options.FetchBufferSize * 8, 1L << 30) },
            time);
    }

    public ShardCheckpointer Checkpointer { get; }

    public FetchBuffer Buffer => _buffer;

    public IReadOnlyCollection<ShardProgressSnapshot> Progress =>
        _progress.Values.Select(p => p.Snapshot).OrderBy(s => s.ShardId, StringComparer.Ordinal).ToList();

    /// <summary>True when every known shard is caught up or ended and at least one shard was seen.</summary>
    public bool IsCaughtUp => !_progress.IsEmpty && _progress.Values.All(p => p.Snapshot.CaughtUp);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_buffer.OrphanedSpillFilesDeleted > 0)
        {
            LogOrphanedSpillFilesDeleted(_logger, _buffer.OrphanedSpillFilesDeleted, _buffer.SpillDirectory);
        }

        await _leases.EnsureCreatedAsync(stoppingToken);
        var renewer = RenewLeasesAsync(stoppingToken);
        var checkpoints = Checkpointer.RunAsync(_options.CheckpointInterval, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SyncShardsAsync(stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested && exception is not OperationCanceledException)
                {
                    LogShardSyncFailed(_logger, exception);
                }

                // A shard that ends asks for a sync at once, so its children start without waiting a full interval.
                await _syncNow.WaitAsync(_options.ShardFetchInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(_running.Values.Select(r => r.Task));
            await checkpoints;
            await renewer;

            // Graceful stop: every applied record is made durable and checkpointed before the leases are left.
            try
            {
                await Checkpointer.CheckpointAsync(CancellationToken.None);
            }
            catch (Exception exception)
            {
                LogFinalCheckpointFailed(_logger, exception);
            }

            _buffer.Dispose();
        }
    }

    private async Task SyncShardsAsync(CancellationToken cancellationToken)
    {
        var shards = await _kinesis.ListShardsAsync(_options.StreamName, null, cancellationToken);
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (_running.ContainsKey(shard.ShardId) || _ended.Contains(shard.ShardId))
            {
                continue;
            }

            var parents = ParentsOf(shard);

            // Children of a reshard start at TRIM_HORIZON so nothing written after the split is skipped (as the KCL does).
            var initial = parents.Any(listed.Contains) ? SentinelCheckpoint.TrimHorizon : _options.InitialPosition;
            await _leases.CreateIfNotExistsAsync(shard.ShardId, initial, parents, cancellationToken);
        }

        var byId = (await _leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            var id = shard.ShardId;
            if (_running.ContainsKey(id) || _ended.Contains(id) || !byId.TryGetValue(id, out var lease))
            {
                continue;
            }

            var progress = _progress.GetOrAdd(id, static key => new ShardProgress(key));
            var waiting = ParentsOf(shard).Where(p => byId.TryGetValue(p, out var parent) && !parent.IsShardEnd).ToList();
            if (waiting.Count > 0)
            {
                progress.Update(p => p with { State = ShardReceiverState.WaitingForParents });
                continue;
            }

            if (await TryTakeAsync(lease, cancellationToken) is not { } taken)
            {
                continue;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = new ShardReceiver(
                _kinesis, taken, shard, _processor, Checkpointer, _options, _buffer.GetQueue(id), WorkerSlotOf(id), progress, _time, _logger);
            _running[id] = (RunReceiverAsync(receiver, progress, stop.Token), stop);
        }

        foreach (var (id, running) in _running.Where(pair => pair.Value.Task.IsCompleted).ToList())
        {
            _running.TryRemove(id, out _);
            running.Stop.Dispose();
            if (_progress[id].Snapshot.State == ShardReceiverState.Ended)
            {
                _ended.Add(id);
            }
        }
    }

    /// <summary>Shards share fetch workers in groups of ShardsPerTask: one GetRecords in flight per group.</summary>
    private SemaphoreSlim WorkerSlotOf(string shardId)
    {
        if (!_slotOfShard.TryGetValue(shardId, out var slot))
        {
            var index = _slotOfShard.Count / _options.ShardsPerTask;
            if (index == _workerSlots.Count)
            {
                _workerSlots.Add(new SemaphoreSlim(1, 1));
            }

            slot = _workerSlots[index];
            _slotOfShard[shardId] = slot;
        }

        return slot;
    }

    /// <summary>Takes a lease that is free, ours, or abandoned (see <see cref="LeaseExpiryObserver"/>).</summary>
    private async Task<ShardLease?> TryTakeAsync(ShardLease lease, CancellationToken cancellationToken)
    {
        if (lease.LeaseOwner is not null && lease.LeaseOwner != _workerId && !_expiry.HasExpired(lease.LeaseKey, lease.LeaseCounter))
        {
            return null;
        }

        try
        {
            var taken = await _leases.TakeAsync(lease, _workerId, cancellationToken);
            _expiry.Forget(lease.LeaseKey);
            LogLeaseTaken(_logger, lease.LeaseKey, lease.LeaseOwner ?? "nobody");
            return taken;
        }
        catch (LeaseLostException)
        {
            return null;
        }
    }

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var period = _options.LeaseFailoverTime / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var (id, running) in _running.ToList())
            {
                try
                {
                    await _leases.RenewAsync(id, _workerId, stoppingToken);
                }
                catch (LeaseLostException)
                {
                    LogLeaseLost(_logger, id);
                    await running.Stop.CancelAsync();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRenewFailed(_logger, id, exception);
                }
            }
        }
    }

    private async Task RunReceiverAsync(ShardReceiver receiver, ShardProgress progress, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            if (await receiver.RunAsync(cancellationToken))
            {
                // Children wait for this shard's SHARD_END checkpoint: write it now rather than at the next interval.
                await Checkpointer.CheckpointAsync(cancellationToken);
                _syncNow.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            // The next shard sync starts the shard again from its checkpoint.
            progress.Update(p => p with { State = ShardReceiverState.Failed, LastError = exception.Message, CaughtUp = false });
            LogReceiverFailed(_logger, receiver.ShardId, exception);
        }
        finally
        {
            // Prefetched pages past the checkpoint are fetched again by the next receiver of this shard.
            _buffer.RemoveQueue(receiver.ShardId);
        }
    }

    private static List<string> ParentsOf(Shard shard) =>
        new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} spill file(s) of stopped processes from {Directory}")]
    private static partial void LogOrphanedSpillFilesDeleted(ILogger logger, int count, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took the lease of {ShardId} (from {PreviousOwner})")]
    private static partial void LogLeaseTaken(ILogger logger, string shardId, string previousOwner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease of {ShardId} to another worker; its receiver stops")]
    private static partial void LogLeaseLost(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of {ShardId} failed; retrying")]
    private static partial void LogRenewFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the shard list failed; retrying")]
    private static partial void LogShardSyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The final checkpoint on stop failed; the next start replays from the previous one")]
    private static partial void LogFinalCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiver of shard {ShardId} failed; it restarts from its checkpoint")]
    private static partial void LogReceiverFailed(ILogger logger, string shardId, Exception exception);
}
