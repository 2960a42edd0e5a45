using System.Text.Json;
using KinesisGrains.Runtime.Grains;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>A call of a grain method by name with JSON arguments (from a client or another silo).</summary>
internal sealed class GrainCallWorkItem(GrainType grainType, Type grainInterface, string grainKey, string methodName, JsonElement arguments)
    : PartitionWorkItem
{
    private readonly TaskCompletionSource<object?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<object?> Completion => _completion.Task;

    public override async Task ExecuteAsync(Partition partition)
    {
        try
        {
            _completion.TrySetResult(await partition.InvokeAsync(grainType, grainInterface, grainKey, methodName, arguments));
        }
        catch (Exception exception)
        {
            _completion.TrySetException(exception);
        }
    }

    public override void Fail(Exception exception) => _completion.TrySetException(exception);
}
