using KinesisGrains.Abstractions.Streams;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>The message handler of the synthetic records: the partition key is the counter's key, each record adds 1.</summary>
internal sealed class IncrementHandler : IStreamMessageHandler<long>
{
    public bool TryHandle(StreamRecord record, out string grainKey, out long item, out string? error)
    {
        grainKey = record.PartitionKey;
        item = 1;
        error = null;
        return true;
    }
}
