using System.Diagnostics;
using System.Diagnostics.Metrics;
using KinesisGrains.Runtime.Diagnostics;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// Counts events consumed in a run and notes the moment the last one was: the partition grains report applied events
/// through <see cref="RuntimeMetrics.EventsApplied"/> after each delivery's RocksDB write, the delivery probes call
/// <see cref="Add"/> themselves.
/// </summary>
public sealed class RunProgress : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly long _target;
    private readonly TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count;

    public RunProgress(long target)
    {
        _target = target;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument, RuntimeMetrics.EventsApplied))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) => ((RunProgress)state!).Add(value));
        _listener.Start();
    }

    public long Count => Volatile.Read(ref _count);

    /// <summary>The Stopwatch timestamp at which the last event of the run was consumed.</summary>
    public Task<long> Done => _done.Task;

    public void Add(long events)
    {
        if (Interlocked.Add(ref _count, events) >= _target)
        {
            _done.TrySetResult(Stopwatch.GetTimestamp());
        }
    }

    public void Dispose() => _listener.Dispose();
}
