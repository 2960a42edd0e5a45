using System.Diagnostics;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Benchmarks.State;
using KinesisGrains.Benchmarks.State.Synthetic;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using Orleans;
using Orleans.Hosting;
using RocksDbSharp;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>
/// The event-time library through the Orleans path (synthetic receivers with event times and per-shard watermarks →
/// batch containers → pulling agents → partition grains → RocksDB, WAL off): events/s of a 1-minute tumbling count
/// and of 30-minute sessions against the plain keyed counters of the same run, each windowed run timed until the last
/// window has fired (a final watermark closes them all); then the state time-to-live: timers fired/s when one
/// watermark step makes every key's expiry due, and the state's disk bytes before and after it removed 90 % of them.
/// </summary>
internal static class EventTimeBenchmark
{
    private const string Route = "through Orleans (synthetic receivers with event times and shard watermarks → batch containers → pulling agents → partition grains → RocksDB, WAL off)";

    // dotnet run -c Release --project bench/Benchmarks -- event-time [--keys N] [--events N] [--span-minutes N] [--runs N] [--ttl-keys N] [--partitions P] [--keys-in-memory N]
    public static async Task<int> RunAsync(string[] args)
    {
        var keys = BenchArguments.Option(args, "--keys", 1_000_000);
        var events = BenchArguments.Option(args, "--events", 2_000_000);
        var span = TimeSpan.FromMinutes(BenchArguments.Option(args, "--span-minutes", 10));
        var runs = BenchArguments.Option(args, "--runs", 3);
        var ttlKeys = BenchArguments.Option(args, "--ttl-keys", 1_000_000);
        var partitions = BenchArguments.Option(args, "--partitions", 16);
        var keysInMemory = BenchArguments.Option(args, "--keys-in-memory", 100_000);
        var settings = new OrleansRunSettings(
            partitions,
            Queues: 4,
            RecordsPerRead: 4_000,
            CacheSize: SyntheticAdapterFactory.KinesisCacheSize(partitions),
            MaxKeysInMemoryPerPartition: keysInMemory);
        var root = Path.Combine(Path.GetTempPath(), "kgrains-event-time-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var stateDirectory = Path.Combine(root, "state");
        Directory.CreateDirectory(root);
        try
        {
            // s3rver so the partitions run as a production silo does (snapshots, so the WAL off), and so a barrier
            // flushes the memtables before the state's bytes are counted.
            using var emulators = LocalEmulators.Start("s3rver");
            var snapshots = Snapshots(emulators.S3);
            using (var s3 = S3ClientFactory.Create(snapshots))
            {
                await s3.PutBucketAsync(snapshots.Bucket);
            }

            var silo = await BenchSilo.StartAsync(settings, stateDirectory, snapshots, s =>
            {
                s.AddKeyedStatePartition<TumblingCountPartitionGrain>();
                s.AddKeyedStatePartition<SessionCountPartitionGrain>();
                s.AddKeyedStatePartition<ExpiringCounterPartitionGrain>();
            });

            var workload = CounterWorkload.Create(keys, events);
            var clock = new EventClock();
            // --consumers TumblingCounts (for a profiler): only those runs, no rows written.
            var only = BenchArguments.Text(args, "--consumers", "");
            var consumers = only.Length > 0
                ? only.Split(',').Select(Enum.Parse<Consumer>).ToArray()
                : new[] { Consumer.Counters, Consumer.TumblingCounts, Consumer.SessionCounts };
            var results = consumers.ToDictionary(c => c, _ => new List<OrleansRunResult>());
            Console.WriteLine($"event time through Orleans: {keys:N0} keys, {events:N0} events over {span.TotalMinutes:F0} min of event time, {partitions} partitions, " +
                $"{settings.Queues} queues, {runs} rounds of {string.Join(", ", consumers)}; then the time-to-live of {ttlKeys:N0} keys");
            TtlResult ttl;
            await using (silo)
            {
                foreach (var consumer in consumers.Where(c => c != Consumer.Counters).Append(Consumer.ExpiringCounters))
                {
                    await PrimeAsync(silo, consumer, clock);
                }

                foreach (var consumer in consumers)
                {
                    var warmUp = await RunAsync(silo, consumer, workload, "w-", events / 2, span, clock);
                    Console.WriteLine($"warm-up ({consumer}, {events / 2:N0} events): {warmUp}");
                }

                for (var round = 0; round < runs; round++)
                {
                    foreach (var consumer in consumers.Skip(round % consumers.Length).Concat(consumers.Take(round % consumers.Length)))
                    {
                        var result = await RunAsync(silo, consumer, workload, $"r{round}-", events, span, clock);
                        results[consumer].Add(result);
                        Console.WriteLine($"round {round + 1}, {consumer}: {result}");
                    }
                }

                if (only.Length > 0)
                {
                    return 0;
                }

                ttl = await RunTimeToLiveAsync(silo, ttlKeys, span, clock, stateDirectory);
            }

            // Once the silo stopped: a full compaction of the same files shows what RocksDB's own compactions reach.
            ttl = ttl with { CompactedBytes = CompactAll(StateFolders(stateDirectory, ExpiringCounterPartitionGrainState)) };
            Console.WriteLine($"time-to-live: {ttl}");

            OrleansRunResult Median(Consumer consumer) => results[consumer].OrderBy(r => r.EventsPerSecond).ElementAt(results[consumer].Count / 2);
            var counters = Median(Consumer.Counters);
            var on = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, shared and noisy";
            var label = $"{keys / 1_000_000.0:0.##}M keys, {events / 1_000_000.0:0.##}M events over {span.TotalMinutes:F0} min of event time (keys drawn at random), {partitions} partitions, {settings.Queues} queues";
            var yardstick = $"the plain keyed counters, same keys and events, same run; median of {runs} runs each, interleaved, each on fresh keys; goal ≥ 0.7×";
            var rows = new List<ResultRow>
            {
                WindowRow($"events/s of a 1-minute tumbling count per key (WindowedPartitionGrain, WindowAggregates.Count) {Route}, {label}, timed until every window fired (a final watermark closes them all) (vs {yardstick})",
                    Median(Consumer.TumblingCounts), counters, on),
                WindowRow($"events/s of 30-minute session windows per key (WindowedPartitionGrain, a count) {Route}, {label}, timed until every session fired (a final watermark closes them all) (vs {yardstick})",
                    Median(Consumer.SessionCounts), counters, on),
                new(
                    $"timers fired/s: one watermark step makes the time-to-live timer of each of {ttlKeys / 1_000_000.0:0.##}M keys (16 partitions) due; each reads its key's last touch, then 90 % delete their state and 10 % move their timer; timed from the step to the last timer fired " +
                    $"(vs the plain keyed counters' events/s of the rows above: each event, like each timer, reads a key and writes it)",
                    $"{ttl.TimersPerSecond:N0} ({ttl.TimersFired:N0} timers in {ttl.FireSeconds:F1} s; {ttl.Expired:N0} states expired)",
                    $"{counters.EventsPerSecond:N0}",
                    $"{ttl.TimersPerSecond / counters.EventsPerSecond:0.00}",
                    on),
                new(
                    $"disk bytes of state (live SST files of the partitions' RocksDBs after a barrier's flush) once the time-to-live expired 90 % of {ttlKeys / 1_000_000.0:0.##}M keys{(ttlKeys < 10_000_000 ? ", scaled down from 10M to run in minutes on 2 cores" : "")} " +
                    "(each key: its state, its last touch and its timer); ours: right after the expiry (deletes are tombstones until compaction), and after a full compaction of the same files " +
                    "(what RocksDB's background compactions reach) (vs the same state before the expiry)",
                    $"{ttl.AfterBytes:N0} B right after; {ttl.CompactedBytes:N0} B compacted",
                    $"{ttl.BeforeBytes:N0} B",
                    $"{(double)ttl.AfterBytes / ttl.BeforeBytes:0.00} right after, {(double)ttl.CompactedBytes / ttl.BeforeBytes:0.00} compacted",
                    on),
            };

            var command = $"dotnet run -c Release --project bench/Benchmarks -- event-time --keys {keys} --events {events} --span-minutes {span.TotalMinutes:F0} --runs {runs} --ttl-keys {ttlKeys} (starts s3rver with tools/emulators/emulators.sh)";
            var path = ResultsTable.Upsert(rows, ("Event-time rows", command));
            Console.WriteLine($"Updated {path}");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private const string ExpiringCounterPartitionGrainState = "bench-expiring";

    /// <summary>
    /// One timed run; with windows, event i happens at an even step over <paramref name="span"/>, and a final watermark
    /// past the last window's end closes every window; a few keys are checked after.
    /// </summary>
    private static async Task<OrleansRunResult> RunAsync(BenchSilo silo, Consumer consumer, CounterWorkload workload, string prefix, int events, TimeSpan span, EventClock clock)
    {
        if (consumer == Consumer.Counters)
        {
            return await OrleansRun.RunAsync(silo, consumer, events, i => prefix + workload.KeyOf(i));
        }

        var closeAfter = consumer == Consumer.SessionCounts ? SessionCountPartitionGrain.Gap : TumblingCountPartitionGrain.Size;
        var times = clock.Next(events, span, closeAfter);
        return await OrleansRun.RunAsync(silo, consumer, events, i => prefix + workload.KeyOf(i), grains => CheckWindowsAsync(grains, consumer, workload, prefix, events, silo.Settings.Partitions), times: times);
    }

    /// <summary>
    /// Every shard tells every partition of <paramref name="consumer"/> its watermark once, before the first events: a
    /// partition leaves a shard it never heard from out of its watermark, so the first read of a shard whose pulling
    /// agent came late would otherwise find the others' watermarks past its events.
    /// </summary>
    private static async Task PrimeAsync(BenchSilo silo, Consumer consumer, EventClock clock)
    {
        var now = clock.Now;
        await OrleansRun.RunAsync(silo, consumer, 0, _ => "-", times: new SyntheticEventTimes(_ => now, now));

        // An activation's watermark moves only after its first barrier round names the open shards (the synthetic
        // stream has no checkpointer): one round here, after every shard was heard, lets it move in the runs.
        var partitions = Enumerable.Range(0, silo.Settings.Partitions)
            .Select(p => silo.Grains.GetGrain<IPartitionCheckpoint>(p, OrleansRun.GrainClassOf(consumer).FullName))
            .ToList();
        var persisted = await Task.WhenAll(partitions.Select(p => p.PersistAsync([])));
        await Task.WhenAll(partitions.Select((p, i) => p.AwaitDurableAsync(persisted[i].Epoch)));
    }

    /// <summary>A few keys' windows hold their events and have all fired: the run was timed to the end of its windows.</summary>
    private static async Task CheckWindowsAsync(IGrainFactory grains, Consumer consumer, CounterWorkload workload, string prefix, int events, int partitions)
    {
        var map = new PartitionMap(partitions);
        foreach (var index in new[] { workload.KeyOfEvent[0], workload.KeyOfEvent[events / 2], workload.KeyOfEvent[events - 1] })
        {
            var key = prefix + workload.Keys[index];
            var windows = consumer == Consumer.SessionCounts
                ? await grains.GetGrain<ISessionCountPartition>(map.GetPartition(key)).GetWindowsAsync(key)
                : await grains.GetGrain<ITumblingCountPartition>(map.GetPartition(key)).GetWindowsAsync(key);
            var expected = workload.KeyOfEvent.Take(events).Count(k => k == index);
            if (windows.Sum(w => w.Events) != expected || windows.Any(w => !w.Fired))
            {
                throw new InvalidOperationException(
                    $"{consumer}: key {key} has {windows.Sum(w => w.Events)} events in {windows.Length} windows ({windows.Count(w => !w.Fired)} not fired), expected {expected} all fired.");
            }
        }
    }

    /// <summary>
    /// N keys with one event each over the span, then a tenth of them touched again half an hour later, a barrier
    /// (bytes before); one watermark step past every first touch's expiry (timed: every key's timer fires), a barrier
    /// (bytes after).
    /// </summary>
    private static async Task<TtlResult> RunTimeToLiveAsync(BenchSilo silo, int keys, TimeSpan span, EventClock clock, string stateDirectory)
    {
        static string KeyOf(long i) => "ttl-" + i.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

        var start = clock.Now;
        var filled = await OrleansRun.RunAsync(silo, Consumer.ExpiringCounters, keys, KeyOf, times: new SyntheticEventTimes(i => start + (long)(i * span.TotalMilliseconds / keys), start + (long)span.TotalMilliseconds));
        Console.WriteLine($"time-to-live, {keys:N0} keys: {filled}");
        var kept = keys / 10;
        var touchedAt = start + (long)TimeSpan.FromMinutes(30).TotalMilliseconds;
        var touched = await OrleansRun.RunAsync(silo, Consumer.ExpiringCounters, kept, i => KeyOf(i * 10), times: new SyntheticEventTimes(i => touchedAt + i, touchedAt + kept));
        Console.WriteLine($"time-to-live, {kept:N0} of them touched again 30 min later: {touched}");
        await BarrierAsync(silo);
        var before = SstBytes(StateFolders(stateDirectory, ExpiringCounterPartitionGrainState));

        // Past every untouched key's expiry, before any touched one's.
        var step = start + (long)(ExpiringCounterPartitionGrain.TimeToLiveAfter + span + TimeSpan.FromMinutes(1)).TotalMilliseconds;
        var expired = await OrleansRun.RunAsync(silo, Consumer.ExpiringCounters, 0, KeyOf, times: new SyntheticEventTimes(_ => step, step));
        Console.WriteLine($"time-to-live, one watermark step: {expired}");
        if (expired.StatesExpired != keys - kept)
        {
            throw new InvalidOperationException($"{expired.StatesExpired:N0} states expired, expected {keys - kept:N0}.");
        }

        clock.MoveTo(step);
        await BarrierAsync(silo);
        var after = SstBytes(StateFolders(stateDirectory, ExpiringCounterPartitionGrainState));
        return new TtlResult(expired.TimersFired, expired.Seconds, expired.StatesExpired, before, after, 0);
    }

    /// <summary>A checkpoint barrier on every expiring-counter partition: each flushes its memtables to SST files for its snapshot.</summary>
    private static async Task BarrierAsync(BenchSilo silo)
    {
        var partitions = Enumerable.Range(0, silo.Settings.Partitions)
            .Select(p => silo.Grains.GetGrain<IPartitionCheckpoint>(p, typeof(ExpiringCounterPartitionGrain).FullName))
            .ToList();
        var persisted = await Task.WhenAll(partitions.Select(p => p.PersistAsync([])));
        await Task.WhenAll(partitions.Select((p, i) => p.AwaitDurableAsync(persisted[i].Epoch)));
    }

    private static List<string> StateFolders(string stateDirectory, string stateName) =>
        [.. Directory.EnumerateDirectories(stateDirectory, stateName, SearchOption.AllDirectories).SelectMany(Directory.EnumerateDirectories)];

    private static long SstBytes(IEnumerable<string> folders) =>
        folders.SelectMany(f => Directory.EnumerateFiles(f, "*.sst")).Sum(f => new FileInfo(f).Length);

    /// <summary>Compacts each partition's RocksDB whole, with the table options the silo writes with, and returns the SST bytes left.</summary>
    private static long CompactAll(List<string> folders)
    {
        var store = new PartitionStoreOptions().ToRocksDbOptions(disableWal: true);
        foreach (var folder in folders)
        {
            var table = new BlockBasedTableOptions()
                .SetFilterPolicy(BloomFilterPolicy.Create(store.BloomBitsPerKey, use_block_based_builder: false))
                .SetBlockSize((ulong)store.BlockSizeBytes);
            var options = new DbOptions()
                .SetCompression(store.Compression switch
                {
                    KinesisGrains.KeyedState.RocksDb.RocksDbCompression.None => Compression.No,
                    KinesisGrains.KeyedState.RocksDb.RocksDbCompression.Snappy => Compression.Snappy,
                    KinesisGrains.KeyedState.RocksDb.RocksDbCompression.Zstd => Compression.Zstd,
                    _ => Compression.Lz4,
                })
                .SetLevelCompactionDynamicLevelBytes(true)
                .SetBlockBasedTableFactory(table);
            using var db = RocksDb.Open(options, folder);
            db.CompactRange((byte[]?)null, null);
        }

        return SstBytes(folders);
    }

    private static ResultRow WindowRow(string measure, OrleansRunResult windows, OrleansRunResult counters, string on) => new(
        measure,
        $"{windows.EventsPerSecond:N0} ({windows.Seconds:F1} s, {windows.CpuSeconds / windows.Seconds:0.0} cores, GC pauses {windows.GcPauseSeconds:F1} s; {windows.TimersFired:N0} timers fired)",
        $"{counters.EventsPerSecond:N0} ({counters.Seconds:F1} s, {counters.CpuSeconds / counters.Seconds:0.0} cores, GC pauses {counters.GcPauseSeconds:F1} s)",
        $"{windows.EventsPerSecond / counters.EventsPerSecond:0.00}",
        on);

    private static S3SnapshotOptions Snapshots(Uri s3) => new()
    {
        Bucket = "kgrains-event-time-bench",
        Prefix = "run-" + Guid.NewGuid().ToString("N")[..8],
        ServiceUrl = s3,
        AccessKeyId = "S3RVER",
        SecretAccessKey = "S3RVER",
    };

    /// <summary>Event time for the runs of one silo: each run starts after the previous one's final watermark (a partition's watermark never goes back).</summary>
    private sealed class EventClock
    {
        public long Now { get; private set; } = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

        /// <summary><paramref name="events"/> evenly over <paramref name="span"/>, then a watermark past the last window's end.</summary>
        public SyntheticEventTimes Next(int events, TimeSpan span, TimeSpan closeAfter)
        {
            var start = Now;
            var step = span.TotalMilliseconds / events;
            var final = start + (long)(span + closeAfter + TimeSpan.FromMinutes(1)).TotalMilliseconds;
            Now = final + (long)TimeSpan.FromHours(1).TotalMilliseconds;
            return new SyntheticEventTimes(i => start + (long)(i * step), final);
        }

        public void MoveTo(long time) => Now = Math.Max(Now, time + (long)TimeSpan.FromHours(1).TotalMilliseconds);
    }

    private sealed record TtlResult(long TimersFired, double FireSeconds, long Expired, long BeforeBytes, long AfterBytes, long CompactedBytes)
    {
        public double TimersPerSecond => TimersFired / FireSeconds;

        public override string ToString() =>
            $"{TimersFired:N0} timers fired in {FireSeconds:F2} s ({TimersPerSecond:N0}/s), {Expired:N0} states expired; SST bytes before {BeforeBytes:N0}, right after {AfterBytes:N0}, compacted {CompactedBytes:N0}";
    }
}
