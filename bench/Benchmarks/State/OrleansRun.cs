using System.Diagnostics;
using KinesisGrains.Benchmarks.State.Synthetic;
using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>Which grains consume the partition streams in a run.</summary>
internal enum Consumer
{
    /// <summary><see cref="CounterPartitionGrain"/>: per-key counters written to RocksDB.</summary>
    Counters,

    /// <summary><see cref="WarmUpCounterPartitionGrain"/>: the same on stores of their own.</summary>
    WarmUpCounters,

    /// <summary><see cref="DeliveryProbeGrain"/>: counts what it is handed, nothing more.</summary>
    DeliveryProbes,

    /// <summary><see cref="ChangelogCounterPartitionGrain"/>: the counters, their changelog staged for a sink.</summary>
    ChangelogCounters,

    /// <summary><see cref="EmittingCounterPartitionGrain"/>: the counters, a row emitted per event for a sink.</summary>
    EmittingCounters,

    /// <summary><see cref="EventTime.TumblingCountPartitionGrain"/>: events per key per minute of event time.</summary>
    TumblingCounts,

    /// <summary><see cref="EventTime.SessionCountPartitionGrain"/>: events per key per 30-minute session.</summary>
    SessionCounts,

    /// <summary><see cref="EventTime.ExpiringCounterPartitionGrain"/>: the counters with a state time-to-live.</summary>
    ExpiringCounters,
}

/// <summary>Barriers during a run, as the source's checkpointer makes them: every partition persists, then waits until durable and committed by its sinks.</summary>
/// <param name="Interval">Between the end of one barrier and the start of the next; one more barrier ends the run.</param>
internal sealed record BarrierSchedule(TimeSpan Interval);

/// <summary>The barriers of a run: how many, how long they took, and the rows the partitions' sinks committed in them.</summary>
internal sealed record BarrierStats(int Count, double MedianSeconds, double MaxSeconds, double FinalSeconds, long SinkRows);

/// <summary>What one run through the Orleans path took: wall time from the first read to the last event consumed, and process CPU.</summary>
/// <param name="ApplySeconds">The partition grains' time in applying deliveries and writing them to RocksDB, summed over grains.</param>
/// <param name="GcPauseSeconds">Time the process was paused for garbage collections.</param>
/// <param name="ReceiverCpuSeconds">CPU the synthetic receivers spent making records and containers: the rest is Orleans and the grains.</param>
/// <param name="JitSeconds">Time the JIT spent compiling methods during the run (tiered compilation still settling).</param>
/// <param name="TimersFired">Timers the grains fired in the run (with event times: the run ends when the last one has).</param>
internal sealed record OrleansRunResult(
    long Events,
    long Containers,
    double Seconds,
    double CpuSeconds,
    double ReceiverCpuSeconds,
    double ApplySeconds,
    double GcPauseSeconds,
    int Gen2Collections,
    double JitSeconds,
    long MethodsJitted,
    BarrierStats? Barriers = null,
    long TimersFired = 0,
    long StatesExpired = 0,
    long AllocatedBytes = 0)
{
    public double EventsPerSecond => Events / Seconds;

    /// <summary>CPU µs per container beyond making it: Orleans' delivery and whatever the grains do.</summary>
    public double ConsumerCpuMicrosecondsPerContainer => (CpuSeconds - ReceiverCpuSeconds) / Containers * 1e6;

    public override string ToString() =>
        $"{EventsPerSecond:N0} events/s ({Events:N0} events in {Containers:N0} containers, {Seconds:F2} s, {CpuSeconds:F2} CPU s of which receivers {ReceiverCpuSeconds:F2} s; " +
        $"grains applying and writing {ApplySeconds:F2} s; allocated {(Events > 0 ? $"{AllocatedBytes / (double)Events:N0} B/event" : $"{AllocatedBytes:N0} B")}; GC pauses {GcPauseSeconds:F2} s, {Gen2Collections} gen2; JIT {JitSeconds:F2} s, {MethodsJitted:N0} methods" +
        (TimersFired > 0 ? $"; {TimersFired:N0} timers fired, {StatesExpired:N0} states expired" : "") +
        (Barriers is { } b ? $"; {b.Count} barriers, median {b.MedianSeconds * 1000:F0} ms, max {b.MaxSeconds * 1000:F0} ms, the final one {b.FinalSeconds * 1000:F0} ms, {b.SinkRows:N0} rows committed by sinks)" : ")");
}

/// <summary>
/// One timed run on a <see cref="BenchSilo"/>: every consumer grain activated first (stores opened), then the synthetic
/// receivers let go and timed until the grains have consumed every event.
/// </summary>
internal static class OrleansRun
{
    private static readonly TimeSpan s_stallLimit = TimeSpan.FromSeconds(60);

    /// <summary>A stream namespace no grain subscribes to: batches on it are made and cached, and consumed by nobody.</summary>
    public const string UnconsumedNamespace = "bench-unconsumed";

    /// <param name="whileUp">Runs after the timed part (checks, memory readings).</param>
    /// <param name="barriers">Barriers during the run, and one after its last event that the timed part waits for; none without.</param>
    /// <param name="times">Event times and watermarks; the timed part then lasts until the last timer the final watermark made due has fired.</param>
    /// <param name="views">
    /// Keyed views the receivers route every event to as well; the consumer's stream namespace is then the primary one
    /// only if no view has it (else the primary batches go to <see cref="UnconsumedNamespace"/>, which no grain reads).
    /// </param>
    public static async Task<OrleansRunResult> RunAsync(
        BenchSilo silo, Consumer consumer, long events, Func<long, string> keyOf, Func<IGrainFactory, Task>? whileUp = null, BarrierSchedule? barriers = null,
        SyntheticEventTimes? times = null, IReadOnlyList<Abstractions.Views.KeyedView<long>>? views = null)
    {
        var streamNamespace = consumer switch
        {
            Consumer.Counters => ICounterPartition.StreamNamespace,
            Consumer.WarmUpCounters => WarmUpCounterPartitionGrain.StreamNamespace,
            Consumer.ChangelogCounters => ChangelogCounterPartitionGrain.StreamNamespace,
            Consumer.EmittingCounters => EmittingCounterPartitionGrain.StreamNamespace,
            Consumer.TumblingCounts => EventTime.ITumblingCountPartition.StreamNamespace,
            Consumer.SessionCounts => EventTime.ISessionCountPartition.StreamNamespace,
            Consumer.ExpiringCounters => EventTime.IExpiringCounterPartition.StreamNamespace,
            _ => IDeliveryProbe.StreamNamespace,
        };

        // Activation opens each partition's RocksDB (and looks for snapshots): start-up, not the hot path.
        var partitions = Enumerable.Range(0, silo.Settings.Partitions);
        if (consumer == Consumer.Counters)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<ICounterPartition>(p).GetAsync("-")));
        }
        else if (consumer == Consumer.DeliveryProbes)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<IDeliveryProbe>(p).PingAsync()));
        }
        else if (consumer == Consumer.ChangelogCounters)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<IChangelogCounterPartition>(p).GetAsync("-")));
        }
        else if (consumer == Consumer.EmittingCounters)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<IEmittingCounterPartition>(p).GetAsync("-")));
        }
        else if (consumer == Consumer.TumblingCounts)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<EventTime.ITumblingCountPartition>(p).GetWindowsAsync("-")));
        }
        else if (consumer == Consumer.SessionCounts)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<EventTime.ISessionCountPartition>(p).GetWindowsAsync("-")));
        }
        else if (consumer == Consumer.ExpiringCounters)
        {
            await Task.WhenAll(partitions.Select(p => silo.Grains.GetGrain<EventTime.IExpiringCounterPartition>(p).GetAsync("-")));
        }

        await JitQuietAsync();
        var primaryNamespace = views?.Any(v => v.Name == streamNamespace) == true ? UnconsumedNamespace : streamNamespace;
        var load = new SyntheticLoad(primaryNamespace, events, keyOf, silo.Settings.RecordsPerRead, times, views);
        silo.Progress.Begin(events);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pausedBefore = GC.GetTotalPauseDuration();
        var gen2Before = GC.CollectionCount(2);
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        var jittedBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var begun = Stopwatch.GetTimestamp();
        silo.Feed.Begin(load);
        var barrierRun = barriers is null ? null : new BarrierRun(silo, GrainClassOf(consumer), barriers.Interval);
        var barrierLoop = barrierRun?.LoopAsync(silo.Progress.Done) ?? Task.CompletedTask;
        var finished = events > 0 ? await WaitAsync(silo.Progress) : begun;
        if (times is not null)
        {
            finished = Math.Max(finished, await TimersDoneAsync(silo, load));
        }

        await barrierLoop;
        BarrierStats? barrierStats = null;
        if (barrierRun is not null)
        {
            // The run ends once what it applied is durable and committed by the sinks: the final barrier is timed.
            var final = await barrierRun.BarrierAsync();
            finished = Stopwatch.GetTimestamp();
            barrierStats = barrierRun.Stats(final);
        }

        var result = new OrleansRunResult(
            events,
            load.Containers,
            Stopwatch.GetElapsedTime(load.StartedAt != 0 ? load.StartedAt : begun, finished).TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
            load.ReceiverCpuSeconds,
            silo.Progress.ApplySeconds,
            (GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds,
            GC.CollectionCount(2) - gen2Before,
            (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalSeconds,
            System.Runtime.JitInfo.GetCompiledMethodCount() - jittedBefore,
            barrierStats,
            silo.Progress.TimersFired,
            silo.Progress.StatesExpired,
            GC.GetTotalAllocatedBytes() - allocatedBefore);
        silo.Feed.End();
        if (whileUp is not null)
        {
            await whileUp(silo.Grains);
        }

        return result;
    }

    public static Type GrainClassOf(Consumer consumer) => consumer switch
    {
        Consumer.Counters => typeof(CounterPartitionGrain),
        Consumer.WarmUpCounters => typeof(WarmUpCounterPartitionGrain),
        Consumer.ChangelogCounters => typeof(ChangelogCounterPartitionGrain),
        Consumer.EmittingCounters => typeof(EmittingCounterPartitionGrain),
        Consumer.TumblingCounts => typeof(EventTime.TumblingCountPartitionGrain),
        Consumer.SessionCounts => typeof(EventTime.SessionCountPartitionGrain),
        Consumer.ExpiringCounters => typeof(EventTime.ExpiringCounterPartitionGrain),
        _ => throw new ArgumentOutOfRangeException(nameof(consumer), consumer, "Delivery probes take no barriers."),
    };

    /// <summary>
    /// Barriers on one grain class's partitions as <c>PartitionCheckpointBarrier</c> makes them (without shard
    /// barriers: the synthetic stream has no checkpoints): all persist at once, then all are awaited durable, which
    /// includes their sinks' commits of the epoch.
    /// </summary>
    private sealed class BarrierRun(BenchSilo silo, Type grainClass, TimeSpan interval)
    {
        private readonly List<double> _seconds = [];
        private long _sinkRows;

        public async Task LoopAsync(Task done)
        {
            while (true)
            {
                await Task.WhenAny(done, Task.Delay(interval));
                if (done.IsCompleted)
                {
                    return;
                }

                _seconds.Add(await BarrierAsync());
            }
        }

        public async Task<double> BarrierAsync()
        {
            var started = Stopwatch.GetTimestamp();
            var partitions = Enumerable.Range(0, silo.Settings.Partitions)
                .Select(p => silo.Grains.GetGrain<KinesisGrains.Abstractions.KeyedState.IPartitionCheckpoint>(p, grainClass.FullName))
                .ToList();
            var persisted = await Task.WhenAll(partitions.Select(p => p.PersistAsync([])));
            var durable = await Task.WhenAll(partitions.Select((p, i) => p.AwaitDurableAsync(persisted[i].Epoch)));
            Interlocked.Add(ref _sinkRows, durable.Sum(d => d.Sinks?.Sum(s => s.NumOutputRows) ?? 0));
            return Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        public BarrierStats Stats(double final)
        {
            var all = _seconds.Append(final).Order().ToList();
            return new BarrierStats(all.Count, all[all.Count / 2], all[^1], final, Interlocked.Read(ref _sinkRows));
        }
    }

    /// <summary>
    /// Waits for the JIT to stop compiling (at most 30 s): activation runs the S3 client and the store opening, whose
    /// methods tiered compilation recompiles in the background a moment later, which would land in the timed part.
    /// </summary>
    private static async Task JitQuietAsync()
    {
        var deadline = Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled)
            {
                return;
            }

            compiled = now;
        }
    }

    /// <summary>
    /// Once every shard sent its final watermark, waits until no timer has fired for <see cref="s_timersQuiet"/> (the
    /// grains fire what it made due in bounded turns) and returns when the last one fired; the wait is not timed.
    /// Callers check after that the windows did close.
    /// </summary>
    private static async Task<long> TimersDoneAsync(BenchSilo silo, SyntheticLoad load)
    {
        var deadline = Stopwatch.StartNew();
        while (load.FinalsSent < silo.Feed.QueueCount)
        {
            if (deadline.Elapsed > s_stallLimit)
            {
                throw new TimeoutException($"Only {load.FinalsSent} of {silo.Feed.QueueCount} shards sent their final watermark.");
            }

            await Task.Delay(10);
        }

        var seen = -1L;
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < s_timersQuiet)
        {
            await Task.Delay(100);
            if (silo.Progress.TimersFired != seen)
            {
                seen = silo.Progress.TimersFired;
                quiet.Restart();
            }
        }

        return silo.Progress.LastTimerAt;
    }

    private static readonly TimeSpan s_timersQuiet = TimeSpan.FromSeconds(3);

    private static async Task<long> WaitAsync(RunProgress progress)
    {
        var seen = -1L;
        var lastChange = Stopwatch.StartNew();
        while (true)
        {
            var done = progress.Done;
            if (await Task.WhenAny(done, Task.Delay(TimeSpan.FromSeconds(1))) == done)
            {
                return await done;
            }

            if (progress.Count != seen)
            {
                seen = progress.Count;
                lastChange.Restart();
            }
            else if (lastChange.Elapsed > s_stallLimit)
            {
                throw new TimeoutException($"No events consumed for {s_stallLimit.TotalSeconds:F0} s; {seen:N0} so far.");
            }
        }
    }
}
