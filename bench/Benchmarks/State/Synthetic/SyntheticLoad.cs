using System.Diagnostics;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// The events of one run, shared by the synthetic receivers of a silo: event i is a record whose partition key is
/// <see cref="KeyOf"/>(i); receivers claim them a read at a time, in order, once <see cref="Open"/> lets them. The clock
/// starts at the first claim, so silo start-up and grain activation are not timed.
/// </summary>
internal sealed class SyntheticLoad(string streamNamespace, long events, Func<long, string> keyOf, int recordsPerRead, int partitionCount, int queueCount)
{
    private long _next;
    private long _startedAt;
    private long _containers;
    private volatile bool _open;

    /// <summary>The Orleans stream namespace the partition streams are in; it picks the consumer grain class.</summary>
    public string StreamNamespace { get; } = streamNamespace;

    public long Events { get; } = events;

    public int RecordsPerRead { get; } = recordsPerRead;

    public int PartitionCount { get; } = partitionCount;

    public int QueueCount { get; } = queueCount;

    /// <summary>The Stopwatch timestamp of the first claim; 0 before.</summary>
    public long StartedAt => Volatile.Read(ref _startedAt);

    /// <summary>Batch containers the receivers made.</summary>
    public long Containers => Volatile.Read(ref _containers);

    public string KeyOf(long index) => keyOf(index);

    public void Open() => _open = true;

    /// <summary>The next read's events [start, start + count); false when closed or every event is handed out.</summary>
    public bool TryClaim(out long start, out int count)
    {
        start = 0;
        count = 0;
        if (!_open)
        {
            return false;
        }

        start = Interlocked.Add(ref _next, RecordsPerRead) - RecordsPerRead;
        if (start >= Events)
        {
            return false;
        }

        Interlocked.CompareExchange(ref _startedAt, Stopwatch.GetTimestamp(), 0);
        count = (int)Math.Min(RecordsPerRead, Events - start);
        return true;
    }

    public void CountContainers(int containers) => Interlocked.Add(ref _containers, containers);
}
