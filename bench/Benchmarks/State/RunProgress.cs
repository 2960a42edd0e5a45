using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using KinesisGrains.KeyedState.Diagnostics;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// Counts events consumed in a run and notes the moment the last one was: the partition grains report applied events
/// through <see cref="KeyedStateMetrics.EventsApplied"/> after each delivery's RocksDB write, the delivery probes call
/// <see cref="Add"/> themselves. Also sums the grains' own apply-and-write times, and counts the timers they fire and
/// the states their time-to-live removes. One per silo, reset per run.
/// </summary>
public sealed class RunProgress : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _target = long.MaxValue;
    private TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _count;
    private double _writeMilliseconds;
    private long _timers;
    private long _lastTimerAt;
    private long _expired;

    public RunProgress()
    {
        // Created first: initialized inside the callback, its instruments would be published while its fields are still null.
        RuntimeHelpers.RunClassConstructor(typeof(KeyedStateMetrics).TypeHandle);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument, KeyedStateMetrics.EventsApplied) || ReferenceEquals(instrument, KeyedStateMetrics.StateWriteDuration)
                || ReferenceEquals(instrument, KeyedStateMetrics.TimersFired) || ReferenceEquals(instrument, KeyedStateMetrics.StatesExpired))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, state) =>
        {
            var progress = (RunProgress)state!;
            if (ReferenceEquals(instrument, KeyedStateMetrics.TimersFired))
            {
                progress.AddTimers(value);
            }
            else if (ReferenceEquals(instrument, KeyedStateMetrics.StatesExpired))
            {
                Interlocked.Add(ref progress._expired, value);
            }
            else
            {
                progress.Add(value);
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, value, _, state) => ((RunProgress)state!).AddWriteTime(value));
        _listener.Start();
    }

    public long Count => Volatile.Read(ref _count);

    /// <summary>Time the partition grains spent applying deliveries and writing them (their own histogram), summed.</summary>
    public double ApplySeconds => Volatile.Read(ref _writeMilliseconds) / 1000;

    /// <summary>Timers the partition grains fired since <see cref="Begin"/> (window ends, time-to-live checks).</summary>
    public long TimersFired => Volatile.Read(ref _timers);

    /// <summary>The Stopwatch timestamp of the last timer fired; 0 before any.</summary>
    public long LastTimerAt => Volatile.Read(ref _lastTimerAt);

    /// <summary>Key states removed by their time-to-live since <see cref="Begin"/>.</summary>
    public long StatesExpired => Volatile.Read(ref _expired);

    /// <summary>The Stopwatch timestamp at which the last event of the run was consumed.</summary>
    public Task<long> Done => _done.Task;

    /// <summary>Starts counting towards <paramref name="target"/> events; call between runs only.</summary>
    public void Begin(long target)
    {
        _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _count, 0);
        Volatile.Write(ref _writeMilliseconds, 0);
        Volatile.Write(ref _timers, 0);
        Volatile.Write(ref _lastTimerAt, 0);
        Volatile.Write(ref _expired, 0);
        Volatile.Write(ref _target, target);
    }

    public void Add(long events)
    {
        if (Interlocked.Add(ref _count, events) >= Volatile.Read(ref _target))
        {
            _done.TrySetResult(Stopwatch.GetTimestamp());
        }
    }

    private void AddTimers(long timers)
    {
        Interlocked.Add(ref _timers, timers);
        Volatile.Write(ref _lastTimerAt, Stopwatch.GetTimestamp());
    }

    private void AddWriteTime(double milliseconds)
    {
        // Grains of different partitions run in parallel.
        double seen, sum;
        do
        {
            seen = Volatile.Read(ref _writeMilliseconds);
            sum = seen + milliseconds;
        }
        while (Interlocked.CompareExchange(ref _writeMilliseconds, sum, seen) != seen);
    }

    public void Dispose() => _listener.Dispose();
}
