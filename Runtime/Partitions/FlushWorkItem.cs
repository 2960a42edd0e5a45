namespace KinesisGrains.Runtime.Partitions;

/// <summary>Writes a partition's pending changes; queued behind the work before it, so it is also a barrier.</summary>
internal sealed class FlushWorkItem : PartitionWorkItem
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _completion.Task;

    public override Task ExecuteAsync(Partition partition)
    {
        try
        {
            partition.Flush();
            _completion.TrySetResult();
        }
        catch (Exception exception)
        {
            _completion.TrySetException(exception);
        }

        return Task.CompletedTask;
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}
