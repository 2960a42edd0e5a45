using KinesisGrains.Abstractions.Views;
using System.Diagnostics;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// The events of one run: event i is a record whose partition key is <see cref="KeyOf"/>(i), for the partition grains of
/// <see cref="StreamNamespace"/> (and of the <see cref="Views"/>' namespaces). Receivers claim them a read at a time, in
/// order; the clock starts at the first claim, so silo start-up and grain activation are not timed. With
/// <see cref="Times"/>, records carry event times and reads the shard's watermark.
/// </summary>
internal sealed class SyntheticLoad(
    string streamNamespace, long events, Func<long, string> keyOf, int recordsPerRead, SyntheticEventTimes? times = null, IReadOnlyList<KeyedView<long>>? views = null)
{
    /// <summary>The keyed views the receivers' decoders route every event to as well, after the primary one.</summary>
    public IReadOnlyList<KeyedView<long>> Views { get; } = views ?? [];

    private long _next;
    private long _startedAt;
    private long _containers;
    private long _receiverCpuNanoseconds;
    private int _finalsSent;

    /// <summary>The Orleans stream namespace of the partition streams: it picks the consumer grain class.</summary>
    public string StreamNamespace { get; } = streamNamespace;

    public long Events { get; } = events;

    public int RecordsPerRead { get; } = recordsPerRead;

    /// <summary>The events' times and the watermark after the last read; null: no event times, no watermarks.</summary>
    public SyntheticEventTimes? Times { get; } = times;

    /// <summary>The Stopwatch timestamp of the first claim; 0 before.</summary>
    public long StartedAt => Volatile.Read(ref _startedAt);

    /// <summary>Batch containers the receivers made.</summary>
    public long Containers => Volatile.Read(ref _containers);

    /// <summary>CPU time the receivers spent making this load's records and containers.</summary>
    public double ReceiverCpuSeconds => Volatile.Read(ref _receiverCpuNanoseconds) / 1e9;

    public string KeyOf(long index) => keyOf(index);

    /// <summary>Shards that sent their final watermark (<see cref="Times"/>).</summary>
    public int FinalsSent => Volatile.Read(ref _finalsSent);

    public void CountFinal() => Interlocked.Increment(ref _finalsSent);

    /// <summary>The next read's events [start, start + count); false when every event is handed out.</summary>
    public bool TryClaim(out long start, out int count)
    {
        count = 0;
        start = Interlocked.Add(ref _next, RecordsPerRead) - RecordsPerRead;
        if (start >= Events)
        {
            return false;
        }

        Interlocked.CompareExchange(ref _startedAt, Stopwatch.GetTimestamp(), 0);
        count = (int)Math.Min(RecordsPerRead, Events - start);
        return true;
    }

    public void CountRead(int containers, long cpuNanoseconds)
    {
        Interlocked.Add(ref _containers, containers);
        Interlocked.Add(ref _receiverCpuNanoseconds, cpuNanoseconds);
    }
}
