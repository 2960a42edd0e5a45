using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>The events of one shard's micro-batch that belong to one partition.</summary>
internal sealed class StreamBatchWorkItem<TEvent>(GrainType grainType, string shardId, List<StreamEvent<TEvent>> events)
    : PartitionWorkItem
{
    private readonly TaskCompletionSource<StreamBatchResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<StreamBatchResult> Completion => _completion.Task;

    public override Task ExecuteAsync(Partition partition)
    {
        try
        {
            _completion.TrySetResult(partition.ApplyStreamBatch(grainType, shardId, events));
        }
        catch (Exception exception)
        {
            _completion.TrySetException(exception);
        }

        return Task.CompletedTask;
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}
