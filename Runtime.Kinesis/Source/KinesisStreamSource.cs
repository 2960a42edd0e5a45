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
    private readonly Dictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);

    public IReadOnlyCollection<ShardProgressSnapshot> Progress =>
        _progress.Values.Select(p => p.Snapshot).OrderBy(s => s.ShardId, StringComparer.Ordinal).ToList();

    /// <summary>True when every known shard is caught up or ended and at least one shard was seen.</summary>
    public bool IsCaughtUp => !_progress.IsEmpty && _progress.Values.All(p => p.Snapshot.CaughtUp);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await leases.EnsureCreatedAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await SyncShardsAsync(stoppingToken);
                await Task.Delay(options.ShardFetchInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(_running.Values);
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

            var receiver = new ShardReceiver(kinesis, leases, processor, options, workerId, id, progress, time, _logger);
            _running[id] = RunReceiverAsync(receiver, progress, cancellationToken);
        }

        foreach (var (id, task) in _running.Where(pair => pair.Value.IsCompleted).ToList())
        {
            _running.Remove(id);
            if (task.Status == TaskStatus.RanToCompletion && _progress[id].Snapshot.State == ShardReceiverState.Ended)
            {
                _ended.Add(id);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiver of shard {ShardId} failed; it restarts from its checkpoint")]
    private static partial void LogReceiverFailed(ILogger logger, string shardId, Exception exception);
}
