using System.Diagnostics;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.RocksDb.Snapshots;
using Orleans;

namespace KinesisGrains.Benchmarks.State;

/// <summary>Which grains consume the partition streams in a run.</summary>
internal enum Consumer
{
    /// <summary><see cref="CounterPartitionGrain"/>: per-key counters written to RocksDB.</summary>
    Counters,

    /// <summary><see cref="DeliveryProbeGrain"/>: counts what it is handed, nothing more.</summary>
    DeliveryProbes,
}

/// <summary>What one run through the Orleans path took: wall time from the first read to the last event consumed, and process CPU.</summary>
internal sealed record OrleansRunResult(long Events, long Containers, double Seconds, double CpuSeconds)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>
/// One run: a fresh silo, every partition grain activated (stores opened), then the synthetic receivers let go and
/// timed until the grains have consumed every event.
/// </summary>
internal static class OrleansRun
{
    private static readonly TimeSpan s_stallLimit = TimeSpan.FromSeconds(60);

    /// <param name="whileUp">Runs after the timed part, with the silo still up (checks, memory readings).</param>
    public static async Task<OrleansRunResult> RunAsync(
        Consumer consumer,
        long events,
        Func<long, string> keyOf,
        OrleansRunSettings settings,
        string stateDirectory,
        S3SnapshotOptions? snapshots,
        Func<IGrainFactory, Task>? whileUp = null)
    {
        var streamNamespace = consumer == Consumer.Counters ? ICounterPartition.StreamNamespace : IDeliveryProbe.StreamNamespace;
        var load = new SyntheticLoad(streamNamespace, events, keyOf, settings.RecordsPerRead, settings.Partitions, settings.Queues);
        using var progress = new RunProgress(events);
        var silo = await BenchSilo.StartAsync(load, progress, stateDirectory, snapshots, settings.MaxKeysInMemoryPerPartition, settings.CacheSize);
        await using (silo)
        {
            // Activation opens each partition's RocksDB (and looks for snapshots): start-up, not the hot path.
            await Task.WhenAll(Enumerable.Range(0, settings.Partitions).Select(p => consumer == Consumer.Counters
                ? silo.Grains.GetGrain<ICounterPartition>(p).GetAsync("-")
                : silo.Grains.GetGrain<IDeliveryProbe>(p).PingAsync()));

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            load.Open();
            var finished = await WaitAsync(progress);
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var result = new OrleansRunResult(events, load.Containers, Stopwatch.GetElapsedTime(load.StartedAt, finished).TotalSeconds, cpu);
            if (whileUp is not null)
            {
                await whileUp(silo.Grains);
            }

            return result;
        }
    }

    /// <summary>
    /// The CPU seconds the synthetic receivers take to make the same containers with no Orleans behind them, on this
    /// thread: what a run spends before delivery starts.
    /// </summary>
    public static async Task<double> MakeContainersOnlyAsync(long events, Func<long, string> keyOf, OrleansRunSettings settings)
    {
        var load = new SyntheticLoad(ICounterPartition.StreamNamespace, events, keyOf, settings.RecordsPerRead, settings.Partitions, settings.Queues);
        var receivers = Enumerable.Range(0, settings.Queues).Select(q => new SyntheticReceiver(load, $"shardId-{q:D12}")).ToArray();
        load.Open();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var more = true; more;)
        {
            more = false;
            foreach (var receiver in receivers)
            {
                more |= (await receiver.GetQueueMessagesAsync(-1)).Count > 0;
            }
        }

        return (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
    }

    private static async Task<long> WaitAsync(RunProgress progress)
    {
        var seen = -1L;
        var lastChange = Stopwatch.StartNew();
        while (true)
        {
            var done = await Task.WhenAny(progress.Done, Task.Delay(TimeSpan.FromSeconds(1)));
            if (done == progress.Done)
            {
                return await progress.Done;
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
