using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// Decides which shards this silo reads, over the KCL-compatible lease table: keeps the shard list fresh (new shards
/// after a split, merge or UpdateShardCount become new queues), creates a lease per shard, takes free, own or
/// abandoned leases up to a fair share of the live silos, renews them, and offers a child shard only once every
/// parent has been read to its end (SHARD_END checkpointed), so each key's order survives resharding.
/// </summary>
internal sealed partial class KinesisQueueBalancer : QueueBalancerBase, IStreamQueueBalancer
{
    private readonly KinesisStreamContext _context;
    private readonly LeaseExpiryObserver _expiry;
    private readonly IClusterMembershipService _membership;
    private readonly Random _random = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    public KinesisQueueBalancer(IServiceProvider services, KinesisStreamContext context)
        : base(services, context.Loggers.CreateLogger<KinesisQueueBalancer>())
    {
        _context = context;
        _expiry = new LeaseExpiryObserver(context.Options.Source.LeaseFailoverTime, context.Time);
        _membership = services.GetRequiredService<IClusterMembershipService>();
        context.LocalSilo = SiloAddress;
    }

    public override async Task Initialize(IStreamQueueMapper queueMapper)
    {
        await base.Initialize(queueMapper);
        _context.Monitor.Started();
        _running = Task.Run(() => RunAsync(_stop.Token));
    }

    public override IEnumerable<QueueId> GetMyQueues() => _context.HeldShards.Select(_context.Mapper.QueueOf).ToList();

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos) => _context.SyncNow.Release();

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
        var watching = WatchMembershipAsync(stoppingToken);
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

                // A shard that ends, a silo changing status or a lease lost asks for a sync at once, so children start
                // and leases move without waiting a full interval.
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
            await watching;
        }
    }

    /// <summary>One pass of the shard and lease bookkeeping; true when this silo's set of queues changed.</summary>
    private async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        var options = _context.Options.Source;
        var shards = await _context.Kinesis.ListShardsAsync(options.StreamName, null, cancellationToken);
        _context.NoteShards(shards);
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        var (leases, pausedSince, partitionCount) = await _context.Leases.ScanAsync(cancellationToken);
        var byId = leases.ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        var created = false;
        foreach (var shard in shards.Where(s => !byId.ContainsKey(s.ShardId)))
        {
            var parents = ParentsOf(shard);

            // Children of a reshard start at TRIM_HORIZON so nothing written after the split is skipped (as the KCL does).
            var initial = parents.Any(listed.Contains) || parents.Any(byId.ContainsKey) ? SentinelCheckpoint.TrimHorizon : options.InitialPosition;
            await _context.Leases.CreateIfNotExistsAsync(shard.ShardId, initial, parents, cancellationToken);
            created = true;
        }

        if (created)
        {
            byId = (await _context.Leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        }

        if (options.PlacePartitionsNearShards)
        {
            _context.Placement.Update(shards, byId.Values, ActiveSilos());
        }

        _context.Checkpointer.NoteLeases(byId.Values);
        var changed = false;
        var candidates = new List<ShardLease>();
        foreach (var shard in shards.OrderBy(s => s.ShardId, StringComparer.Ordinal))
        {
            if (!byId.TryGetValue(shard.ShardId, out var lease))
            {
                continue;
            }

            var progress = _context.ProgressOf(shard.ShardId);

            // An ended shard with a replay requested is work like an open shard's (rule 4 after SHARD_END); its
            // children go on meanwhile, since the shard's checkpoint stays SHARD_END. A receiver that read it to
            // its end here is let go first, so the next pass takes it again as a replay.
            if (lease.IsReplayRequested && _context.Holds(shard.ShardId) && !_context.LeaseOf(shard.ShardId).IsReplayRequested)
            {
                _context.Release(shard.ShardId);
                changed = true;
                continue;
            }

            if (lease.IsShardEnd && !lease.IsReplayRequested)
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

        // The silo is stopping: its receivers release their leases, which it must not take back.
        if (_context.Stopping)
        {
            return changed;
        }

        // Read with the leases, before any take: a pause recorded before the scan is never answered by a take (one
        // recorded during this pass may be: `kgrains pause` waits out a pass before it looks for leases still held).
        if (pausedSince.HasValue != _context.PausedSince.HasValue)
        {
            if (pausedSince is { } since)
            {
                LogPaused(Logger, since, _context.HeldShards.Count);
            }
            else
            {
                LogResumed(Logger);
            }
        }

        _context.PausedSince = pausedSince;

        // A live rescale recorded a new partition count (`kgrains rescale --live` tells the silos at once; this is for
        // one it could not reach). A receiver routes records by the count it started with, so this silo reads nothing
        // until it has taken the new count, which it does once none of its receivers runs.
        var rescaled = partitionCount is { } pinned && pinned != _context.Lanes.PartitionCount;
        if (pausedSince is not null || rescaled)
        {
            // Each receiver stops at a final checkpoint and releases its lease, as at a graceful stop.
            foreach (var shardId in _context.HeldShards)
            {
                changed |= _context.HandBack(shardId);
            }

            if (rescaled && _context.HeldShards.Count == 0 && _context.ActiveReceivers == 0)
            {
                await _context.AdoptPartitionCountAsync(partitionCount!.Value, cancellationToken);
                rescaled = false;
            }

            if (pausedSince is not null || rescaled)
            {
                _context.NoteSynced(shards.Count(s => !(byId.TryGetValue(s.ShardId, out var ended) && ended.IsShardEnd)), Math.Max(1, ActiveSilos().Count()));
                return changed;
            }
        }

        var worker = _context.Options.WorkerId;
        var deadOwners = DeadOwners();
        // The newest view of the live silos (the notification below only wakes this loop).
        var activeSilos = Math.Max(1, _membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active));
        var fairShare = (candidates.Count + activeSilos - 1) / activeSilos;
        var available = new List<ShardLease>();
        var owned = new List<ShardLease>();
        foreach (var lease in candidates.Where(l => !_context.Holds(l.LeaseKey)))
        {
            // Every other owner's counter is noted on every pass, so its expiry counts from the first sighting.
            if (lease.LeaseOwner is null || lease.LeaseOwner == worker || _expiry.HasExpired(lease.LeaseKey, lease.LeaseCounter))
            {
                available.Add(lease);
            }
            else if (deadOwners.Contains(lease.LeaseOwner))
            {
                // Orleans declared its owner dead: no need to wait for the lease to expire.
                LogOwnerDead(Logger, lease.LeaseKey, lease.LeaseOwner);
                available.Add(lease);
            }
            else
            {
                owned.Add(lease);
            }
        }

        // Our own leases first (a restart with the same silo id keeps them), then the rest in random order.
        foreach (var lease in available.OrderBy(l => l.LeaseOwner == worker ? 0 : 1).ThenBy(_ => _random.Next()))
        {
            if (_context.HeldShards.Count >= fairShare && lease.LeaseOwner != worker)
            {
                continue;
            }

            if (await TryTakeAsync(lease, cancellationToken) is { } taken)
            {
                _context.Hold(taken);
                changed = true;
            }
        }

        // Below the fair share with nothing free: take one lease from the most loaded silo (the KCL's steal), at
        // most one per pass. Its owner finds out at its next renewal and stops reading; this silo starts at the
        // lease's checkpoint, and partitions skip what both read by their high-water marks.
        if (available.Count == 0 && LeaseStealing.Choose(owned, _context.HeldShards.Count, fairShare, _random) is { } victim)
        {
            if (await TryTakeAsync(victim, cancellationToken, steal: true) is { } stolen)
            {
                _context.Hold(stolen);
                changed = true;
            }
        }

        // Leases taken in this pass (a dead silo's, after a failover): place their partitions here now, so the first
        // delivery activates them next to this reader instead of wherever default placement puts them.
        if (changed && options.PlacePartitionsNearShards)
        {
            foreach (var lease in _context.HeldLeases)
            {
                byId[lease.LeaseKey] = lease;
            }

            _context.Placement.Update(shards, byId.Values, ActiveSilos());
        }

        _context.NoteSynced(shards.Count(s => !(byId.TryGetValue(s.ShardId, out var ended) && ended.IsShardEnd)), activeSilos);
        return changed;
    }

    private IEnumerable<(string Name, SiloAddress Silo)> ActiveSilos() =>
        _membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => (m.Name, m.SiloAddress));

    /// <summary>Names of silos Orleans declared dead (and not back under the same name): their leases are free.</summary>
    private HashSet<string> DeadOwners()
    {
        var members = _membership.CurrentSnapshot.Members.Values;
        var dead = members.Where(m => m.Status == SiloStatus.Dead && !string.IsNullOrEmpty(m.Name)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        dead.ExceptWith(members.Where(m => m.Status != SiloStatus.Dead).Select(m => m.Name));
        return dead;
    }

    /// <summary>Takes a lease that is free, ours, or abandoned (see <see cref="LeaseExpiryObserver"/>).</summary>
    /// <remarks>Conditional on the counter this pass saw: a renewal or another taker in between wins.</remarks>
    private async Task<ShardLease?> TryTakeAsync(ShardLease lease, CancellationToken cancellationToken, bool steal = false)
    {
        var worker = _context.Options.WorkerId;
        try
        {
            var taken = await _context.Leases.TakeAsync(lease, worker, cancellationToken);
            _expiry.Forget(lease.LeaseKey);
            if (steal)
            {
                LogLeaseStolen(Logger, lease.LeaseKey, lease.LeaseOwner ?? "nobody");
            }
            else
            {
                LogLeaseTaken(Logger, lease.LeaseKey, lease.LeaseOwner ?? "nobody");
            }

            return taken;
        }
        catch (LeaseLostException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a taker pass as soon as any silo changes status, not only when the set of active silos changes: a silo
    /// that stopped has released its leases, and one declared dead leaves leases that are free at once.
    /// </summary>
    private async Task WatchMembershipAsync(CancellationToken stoppingToken)
    {
        var statuses = new Dictionary<SiloAddress, SiloStatus>();
        try
        {
            await foreach (var snapshot in _membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var changed = false;
                foreach (var (address, member) in snapshot.Members)
                {
                    if (!statuses.TryGetValue(address, out var status) || status != member.Status)
                    {
                        statuses[address] = member.Status;
                        changed = true;
                    }
                }

                if (changed)
                {
                    _context.SyncNow.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
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
                _context.SyncNow.Release();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stole the lease of {ShardId} from {PreviousOwner}, the most loaded silo")]
    private static partial void LogLeaseStolen(ILogger logger, string shardId, string previousOwner);

    [LoggerMessage(Level = LogLevel.Information, Message = "The lease of {ShardId} is free: its owner {Owner} was declared dead")]
    private static partial void LogOwnerDead(ILogger logger, string shardId, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "The application's input is paused since {Since:O}: taking no shard lease, handing back the {Held} held")]
    private static partial void LogPaused(ILogger logger, DateTimeOffset since, int held);

    [LoggerMessage(Level = LogLevel.Information, Message = "The application's input resumed: taking shard leases again")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease of {ShardId} to another worker; its receiver stops")]
    private static partial void LogLeaseLost(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of {ShardId} failed; retrying")]
    private static partial void LogRenewFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the shard list failed; retrying")]
    private static partial void LogShardSyncFailed(ILogger logger, Exception exception);
}
