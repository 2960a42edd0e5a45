using System.Collections.Concurrent;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Kinesis.Source;

/// <summary>
/// Maps the stream's shards to receivers: keeps the shard list fresh, creates a lease per shard, and starts a
/// shard's receiver only once every parent shard has been read to its end, so each key's order survives resharding.
/// </summary>
public sealed partial class KinesisStreamSource(
    KinesisClient kinesis,
    ShardLeaseTable leases,
    IStreamBatchProcessor processor,
    KinesisSourceOptions options,
    string workerId,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<KinesisStreamSource>();
    private readonly ConcurrentDictionary<string, ShardProgress> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (Task Task, CancellationTokenSource Stop)> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Counter, long SeenAt)> _othersLeases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ShardProgressSnapshot> Progress =>
        _progress.Values.Select(p => p.Snapshot).OrderBy(s => s.ShardId, StringComparer.Ordinal).ToList();

    /// <summary>True when every known shard is caught up or ended and at least one shard was seen.</summary>
    public bool IsCaughtUp => !_progress.IsEmpty && _progress.Values.All(p => p.Snapshot.CaughtUp);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await leases.EnsureCreatedAsync(stoppingToken);
        var renewer = RenewLeasesAsync(stoppingToken);
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

                await Task.Delay(options.ShardFetchInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(_running.Values.Select(r => r.Task));
            await renewer;
        }
    }

    private async Task SyncShardsAsync(CancellationToken cancellationToken)
    {
        var shards = await kinesis.ListShardsAsync(options.StreamName, null, cancellationToken);
        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            if (_running.ContainsKey(shard.ShardId) || _ended.Contains(shard.ShardId))
            {
                continue;
            }

            var parents = ParentsOf(shard);

            // Children of a reshard start at TRIM_HORIZON so nothing written after the split is skipped (as the KCL does).
            var initial = parents.Any(listed.Contains) ? SentinelCheckpoint.TrimHorizon : options.InitialPosition;
            await leases.CreateIfNotExistsAsync(shard.ShardId, initial, parents, cancellationToken);
        }

        var byId = (await leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            var id = shard.ShardId;
            if (_running.ContainsKey(id) || _ended.Contains(id))
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

            if (!await TryTakeAsync(byId[id], cancellationToken))
            {
                continue;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = new ShardReceiver(kinesis, leases, processor, options, workerId, id, progress, time, _logger);
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

    /// <summary>
    /// Takes a lease that is free, ours, or abandoned: its counter has not moved for the failover time, as this
    /// silo observed it (no clocks are compared across machines, as in the KCL).
    /// </summary>
    private async Task<bool> TryTakeAsync(ShardLease lease, CancellationToken cancellationToken)
    {
        if (lease.LeaseOwner is not null && lease.LeaseOwner != workerId)
        {
            if (!_othersLeases.TryGetValue(lease.LeaseKey, out var seen) || seen.Counter != lease.LeaseCounter)
            {
                _othersLeases[lease.LeaseKey] = (lease.LeaseCounter, time.GetTimestamp());
                return false;
            }

            if (time.GetElapsedTime(seen.SeenAt) < options.LeaseFailoverTime)
            {
                return false;
            }
        }

        try
        {
            await leases.TakeAsync(lease, workerId, cancellationToken);
            _othersLeases.Remove(lease.LeaseKey);
            LogLeaseTaken(_logger, lease.LeaseKey, lease.LeaseOwner ?? "nobody");
            return true;
        }
        catch (LeaseLostException)
        {
            return false;
        }
    }

    private async Task RenewLeasesAsync(CancellationToken stoppingToken)
    {
        var period = options.LeaseFailoverTime / 3;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var (id, running) in _running.ToList())
            {
                try
                {
                    await leases.RenewAsync(id, workerId, stoppingToken);
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
            await receiver.RunAsync(cancellationToken);
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
    }

    private static List<string> ParentsOf(Shard shard) =>
        new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().ToList();

    [LoggerMessage(Level = LogLevel.Information, Message = "Took the lease of {ShardId} (from {PreviousOwner})")]
    private static partial void LogLeaseTaken(ILogger logger, string shardId, string previousOwner);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the lease of {ShardId} to another worker; its receiver stops")]
    private static partial void LogLeaseLost(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the lease of {ShardId} failed; retrying")]
    private static partial void LogRenewFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the shard list failed; retrying")]
    private static partial void LogShardSyncFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiver of shard {ShardId} failed; it restarts from its checkpoint")]
    private static partial void LogReceiverFailed(ILogger logger, string shardId, Exception exception);
}
