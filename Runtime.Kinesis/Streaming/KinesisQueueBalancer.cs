using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Kinesis.Source;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Kinesis.Streaming;

/// <summary>
/// Decides which shards this silo reads, over the KCL-compatible lease table: keeps the shard list fresh (new shards
/// after a split, merge or UpdateShardCount become new queues), creates a lease per shard, takes free, own or
/// abandoned leases up to a fair share of the live silos, renews them, and offers a child shard only once every
/// parent has been read to its end (SHARD_END checkpointed), so each key's order survives resharding.
/// </summary>
public sealed partial class KinesisQueueBalancer : QueueBalancerBase, IStreamQueueBalancer
{
    private readonly KinesisStreamContext _context;
    private readonly LeaseExpiryObserver _expiry;
    private readonly CancellationTokenSource _stop = new();
    private volatile int _activeSilos = 1;
    private Task _running = Task.CompletedTask;

    public KinesisQueueBalancer(IServiceProvider services, KinesisStreamContext context)
        : base(services, context.Loggers.CreateLogger<KinesisQueueBalancer>())
    {
        _context = context;
        _expiry = new LeaseExpiryObserver(context.Options.Source.LeaseFailoverTime, context.Time);
    }

    public override async Task Initialize(IStreamQueueMapper queueMapper)
    {
        await base.Initialize(queueMapper);
        _context.Monitor.Started();
        _running = Task.Run(() => RunAsync(_stop.Token));
    }

    public override IEnumerable<QueueId> GetMyQueues() => _context.HeldShards.Select(_context.Mapper.QueueOf).ToList();

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        _activeSilos = Math.Max(1, activeSilos.Count);
        _context.SyncNow.Release();
    }

    public override async Task Shutdown()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        await base.Shutdown();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var options = _context.Options.Source;
        if (_context.Buffer.OrphanedSpillFilesDeleted > 0)
        {
            LogOrphanedSpillFilesDeleted(Logger, _context.Buffer.OrphanedSpillFilesDeleted, _context.Buffer.SpillDirectory);
        }

        await _context.Leases.EnsureCreatedAsync(stoppingToken);
        var renewing = RenewLeasesAsync(stoppingToken);
        var checkpointing = _context.Checkpointer.RunAsync(options.CheckpointInterval, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (await SyncAsync(stoppingToken))
                    {
                        await NotifyListeners();
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested && exception is not OperationCanceledException)
                {
                    LogShardSyncFailed(Logger, exception);
                }

                // A shard that ends asks for a sync at once, so its children start without waiting a full interval.
                await _context.SyncNow.WaitAsync(options.ShardFetchInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await checkpointing;
            await renewing;
        }
    }

    /// <summary>One pass of the shard and lease bookkeeping; true when this silo's set of queues changed.</summary>
    private async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options.Source;
        var shards = await _context.Kinesis.ListShardsAsync(options.StreamName, null, cancellationToken);
        _context.NoteShards(shards);
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        var byId = (await _context.Leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        foreach (var shard in shards.Where(s => !byId.ContainsKey(s.ShardId)))
        {
            var parents = ParentsOf(shard);

            // Children of a reshard start at TRIM_HORIZON so nothing written after the split is skipped (as the KCL does).
            var initial = parents.Any(listed.Contains) || parents.Any(byId.ContainsKey) ? SentinelCheckpoint.TrimHorizon : options.InitialPosition;
            await _context.Leases.CreateIfNotExistsAsync(shard.ShardId, initial, parents, cancellationToken);
        }

        byId = (await _context.Leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        var changed = false;
        var candidates = new List<ShardLease>();
        foreach (var shard in shards.OrderBy(s => s.ShardId, StringComparer.Ordinal))
        {
            if (!byId.TryGetValue(shard.ShardId, out var lease))
            {
                continue;
            }

            var progress = _context.ProgressOf(shard.ShardId);
            if (lease.IsShardEnd)
            {
                if (_context.Release(shard.ShardId))
                {
                    changed = true;
                }

                progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true, Checkpoint = lease.Checkpoint });
                continue;
            }

            if (_context.Holds(shard.ShardId) && lease.LeaseOwner != _context.Options.WorkerId)
            {
                // Taken over while this silo was slow to renew: stop reading it.
                _context.Release(shard.ShardId);
                LogLeaseLost(Logger, shard.ShardId);
                changed = true;
            }

            if (ParentsOf(shard).Any(p => byId.TryGetValue(p, out var parent) && !parent.IsShardEnd))
            {
                progress.Update(p => p with { State = ShardReceiverState.WaitingForParents });
                continue;
            }

            candidates.Add(lease);
        }

        var fairShare = (candidates.Count + _activeSilos - 1) / _activeSilos;
        foreach (var lease in candidates)
        {
            if (_context.Holds(lease.LeaseKey) || _context.HeldShards.Count >= fairShare && lease.LeaseOwner != _context.Options.WorkerId)
            {
                continue;
            }

            if (await TryTakeAsync(lease, cancellationToken) is { } taken)
            {
                _context.Hold(taken);
                changed = true;
            }
        }

        _context.NoteSynced(shards.Count(s => !(byId.TryGetValue(s.ShardId, out var ended) && ended.IsShardEnd)), _activeSilos);
        return changed;
    }

    /// <summary>Takes a lease that is free, ours, or abandoned (see <see cref="LeaseExpiryObserver"/>).</summary>
    private async Task<ShardLease?> TryTakeAsync(ShardLease lease, CancellationToken cancellationToken)
    {
        var worker = _context.Options.WorkerId;
        if (lease.LeaseOwner is not null && lease.LeaseOwner != worker && !_expiry.HasExpired(lease.LeaseKey, lease.LeaseCounter))
        {
            return null;
        }

        try
        {
            var taken = await _context.Leases.TakeAsync(lease, worker, cancellationToken);
            _expiry.Forget(lease.LeaseKey);
            LogLeaseTaken(Logger, lease.LeaseKey, lease.LeaseOwner ?? "nobody");
            return taken;
        }
        catch (LeaseLostException)
        {
            return null;
        }
    }

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var period = _context.Options.Source.LeaseFailoverTime / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _context.Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var lost = false;
            foreach (var shardId in _context.HeldShards)
            {
                try
                {
                    await _context.Leases.RenewAsync(shardId, _context.Options.WorkerId, stoppingToken);
                }
                catch (LeaseLostException)
                {
                    LogLeaseLost(Logger, shardId);
                    lost |= _context.Release(shardId);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogRenewFailed(Logger, shardId, exception);
                }
            }

            if (lost)
            {
                await NotifyListeners();
            }
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
}
