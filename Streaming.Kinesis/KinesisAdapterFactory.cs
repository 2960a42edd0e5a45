using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Streaming.Kinesis.Control;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// The Kinesis stream provider's adapter: read-only, one receiver per shard (<see cref="KinesisQueueMapper"/>), the
/// shared state of the silo's receivers in a <see cref="KinesisStreamContext"/>. Its control commands
/// (<see cref="KinesisStreamCommands"/>) force a checkpoint cycle or hand the partitions over.
/// </summary>
internal sealed class KinesisAdapterFactory(string name, KinesisStreamContext context) : IQueueAdapterFactory, IQueueAdapter, IControllable
{
    private readonly SimpleQueueAdapterCache _cache = new(new SimpleQueueCacheOptions { CacheSize = context.Options.EffectiveCacheSize }, name, context.Loggers);
    private readonly ForcedCheckpoints _forced = new(context);

    public string Name => name;

    /// <summary>Kinesis can be re-read, but Orleans consumers never ask: replays are driven by the shard checkpoints.</summary>
    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public static KinesisAdapterFactory Create(IServiceProvider services, string name) =>
        new(name, services.GetRequiredKeyedService<KinesisStreamContext>(name));

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => context.Mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new KinesisStreamFailureHandler(
            context.Loggers.CreateLogger<KinesisStreamFailureHandler>(),
            KinesisQueueMapper.ShardIdOf(queueId),
            token => context.NoteDeliveryFailure(KinesisQueueMapper.ShardIdOf(queueId), token)));

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new KinesisAdapterReceiver(context, KinesisQueueMapper.ShardIdOf(queueId));

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException($"Stream provider '{name}' reads Kinesis; write to the Kinesis stream instead.");

    public Task<object?> ExecuteCommand(int command, object? arg)
    {
        if (arg is not string { Length: > 0 } requestId)
        {
            throw new ArgumentException($"Command {command} of stream provider '{name}' takes a request id, a string.", nameof(arg));
        }

        if (command == KinesisStreamCommands.HandOverPartitions)
        {
            return HandOverAsync(async gate => await gate.HandOverAsync(CancellationToken.None));
        }

        if (command == KinesisStreamCommands.AwaitHandOver)
        {
            return HandOverAsync(async gate => new PartitionHandOver(0, await gate.AwaitHandOverAsync(CancellationToken.None)));
        }

        if (command == KinesisStreamCommands.AdoptPartitionCount)
        {
            return AdoptPartitionCountAsync();
        }

        return Task.FromResult<object?>(command switch
        {
            KinesisStreamCommands.StartForcedCheckpoint => _forced.Start(requestId),
            KinesisStreamCommands.ForcedCheckpointStatus => _forced.StatusOf(requestId),
            _ => throw new ArgumentException($"Stream provider '{name}' has no control command {command}.", nameof(command)),
        });
    }

    private async Task<object?> HandOverAsync(Func<ICheckpointGate, Task<PartitionHandOver>> handOver)
    {
        var silo = context.LocalSilo?.ToString() ?? context.Options.WorkerId;
        try
        {
            var done = await handOver(context.Checkpointer.Gate);
            return new PartitionHandOverReport(silo, context.Options.ApplicationName, done.Partitions, context.PausedSince, context.HeldShards.Count, StillDeactivating: done.StillDeactivating);
        }
        catch (Exception exception)
        {
            return new PartitionHandOverReport(silo, context.Options.ApplicationName, 0, context.PausedSince, context.HeldShards.Count, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private async Task<object?> AdoptPartitionCountAsync()
    {
        var silo = context.LocalSilo?.ToString() ?? context.Options.WorkerId;
        int? recorded = null;
        try
        {
            // Answered within the control call's response timeout (kgrains' client gives up after 10 s), with the
            // hand-over's own wait inside: a failure it can name rather than a call that never returns.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            recorded = await context.Leases.GetPartitionCountAsync(timeout.Token);
            if (recorded is { } count)
            {
                await context.AdoptPartitionCountAsync(count, timeout.Token);
            }

            return new PartitionCountReport(silo, context.Options.ApplicationName, context.Lanes.PartitionCount, recorded);
        }
        catch (Exception exception)
        {
            return new PartitionCountReport(silo, context.Options.ApplicationName, context.Lanes.PartitionCount, recorded, $"{exception.GetType().Name}: {exception.Message}");
        }
    }
}
