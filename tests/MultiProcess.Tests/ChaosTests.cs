using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.Clicks;
using KinesisGrains.Grains.UserActivity;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// Three silo processes reading a kinesis-local stream while records flow: a random silo is SIGKILLed every 5–20 s
/// and restarted, a shard is split and two are merged; every key's total must come out exact, in each of the three
/// views of the stream (users, clicks per type, and the count of every click spread over the partitions), and queries
/// made meanwhile must be retried through the failovers, never fail.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int Keys = 500;

    [Fact]
    public async Task Random_SIGKILLs_a_split_and_a_merge_leave_every_total_exact()
    {
        // CI runs 90 s of faults; SOAK_MINUTES=20 runs a soak (README, Operations).
        var faults = Environment.GetEnvironmentVariable("SOAK_MINUTES") is { Length: > 0 } minutes
            ? TimeSpan.FromMinutes(double.Parse(minutes, System.Globalization.CultureInfo.InvariantCulture))
            : TimeSpan.FromSeconds(90);
        var seed = Environment.GetEnvironmentVariable("CHAOS_SEED") is { Length: > 0 } s ? int.Parse(s) : 2026;
        var total = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(silos: 3, shards: 4, ("Clickstream:Views", "true"));
        Log(total, $"emulators up, stream {cluster.Stream}; silo logs in {cluster.LogDirectory}; seed {seed}, faults for {faults}");
        try
        {
            await RunAsync(cluster, faults, seed, total);
        }
        catch (Exception exception)
        {
            output.WriteLine($"FAILED: {exception.Message}\nSilo logs (kept): {cluster.LogDirectory}{cluster.LogTails()}");
            throw;
        }

        Log(total, "done");
    }

    private async Task RunAsync(ProcessCluster cluster, TimeSpan faults, int seed, Stopwatch total)
    {
        await cluster.StartAllAsync();
        Log(total, $"3 silos up: {string.Join(", ", cluster.Silos.Select(s => $"{s.Name} pid {s.ProcessId} gateway {s.GatewayPort}"))}");
        await using var client = await cluster.ConnectAsync();

        using var stop = new CancellationTokenSource();
        var truth = new GroundTruth();
        var producing = ProduceAsync(cluster, truth, stop.Token);
        var querying = QueryAsync(client, seed, stop.Token);

        // Kills every 5–20 s (seeded); a killed silo restarts 1–3 s later in the background, as a supervisor would,
        // so the pace of kills does not depend on how long a restart takes on a loaded machine.
        var random = new Random(seed);
        var kills = 0;
        var restarts = new List<Task>();
        var restarting = new HashSet<SiloProcess>();
        var resharded = ReshardAsync(cluster, total, faults);
        var chaos = Stopwatch.StartNew();
        while (true)
        {
            var wait = TimeSpan.FromSeconds(5 + (random.NextDouble() * 15));
            var after = TimeSpan.FromSeconds(1 + (random.NextDouble() * 2));
            var pick = random.Next(cluster.Silos.Count);
            if (chaos.Elapsed + wait > faults)
            {
                break;
            }

            await Task.Delay(wait);
            List<SiloProcess> running;
            lock (restarting)
            {
                running = [.. cluster.Silos.Where(s => !restarting.Contains(s))];
            }

            if (running.Count == 0)
            {
                Log(total, "every killable silo is still restarting: no kill this time");
                continue;
            }

            var victim = running[pick % running.Count];
            var pid = victim.ProcessId;
            victim.Kill();
            kills++;
            Log(total, $"SIGKILL {victim.Name} (pid {pid}) after {wait.TotalSeconds:F1} s");
            lock (restarting)
            {
                restarting.Add(victim);
            }

            restarts.Add(Task.Run(async () =>
            {
                await Task.Delay(after);
                await cluster.StartAsync(victim);
                Log(total, $"restarted {victim.Name} (pid {victim.ProcessId}) {after.TotalSeconds:F1} s after its kill");
                lock (restarting)
                {
                    restarting.Remove(victim);
                }
            }));
        }

        await Task.WhenAll(restarts);
        await resharded;
        await stop.CancelAsync();
        var produced = await producing;
        var queries = await querying;
        Log(total, $"produced {produced:N0} records over {truth.Users.Count} keys; {queries.Calls} queries during the faults, {queries.Retried} retried, {queries.Failed.Count} failed");

        var mismatches = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(90), CancellationToken.None);

        Log(total, $"verified {truth.Users.Count} keys: {mismatches.Count} mismatches");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} keys differ from the truth, e.g. {string.Join("; ", mismatches.Take(5))}");
        var views = await VerifyViewsAsync(client, truth);
        Log(total, $"views: {views}");
        Assert.True(views is null, $"a view differs from the truth: {views}");
        Assert.True(queries.Failed.Count == 0, $"{queries.Failed.Count} queries failed despite retries: {string.Join("; ", queries.Failed.Take(3))}");
        Assert.True(queries.Calls > 0, "no query ran during the faults");
        Assert.True(kills >= 3, $"only {kills} SIGKILLs in {faults}");
        Assert.True(queries.Retried > 0, "no query met a failover: the test did not exercise the retry");
        var shards = await cluster.Kinesis.ListShardsAsync(cluster.Stream);
        Assert.True(shards.Count >= 7, $"expected 4 shards, 2 children of a split and 1 of a merge; the stream has {shards.Count}");

        // The kgrains tool finds the gateways in the membership table and gets through while a silo that has just died
        // is still listed there as active.
        var user = truth.Users.Values.OrderBy(u => u.UserId, StringComparer.Ordinal).First();
        cluster.Silos[0].Kill();
        Log(total, $"SIGKILL {cluster.Silos[0].Name}; kgrains query {user.UserId} through the membership table");
        // The user's partition may have been on the killed silo: restored from its last snapshot, it answers from there
        // until the replay of its shards since that barrier arrives (behind, never over), so the count is asked again.
        var deadline = Stopwatch.StartNew();
        long? counted = null;
        while (true)
        {
            var (exitCode, stdout, stderr) = await KgrainsTool.RunAsync(
                ["query", "--dynamodb-url", cluster.Emulators.DynamoDB.ToString(), "--membership-table", cluster.MembershipTable, "--cluster-id", cluster.ClusterId, "--json", user.UserId]);
            Log(total, $"kgrains exited with {exitCode}");
            Assert.True(exitCode == 0, $"kgrains query failed ({exitCode}): {stderr}{stdout}");
            using var summaries = System.Text.Json.JsonDocument.Parse(stdout);
            counted = Assert.Single(summaries.RootElement.EnumerateArray()).GetProperty("eventCount").GetInt64();
            Assert.True(counted <= user.EventCount, $"kgrains query counted {counted} events of {user.UserId}, more than the {user.EventCount} produced");
            if (counted == user.EventCount || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }

            Log(total, $"{user.UserId}: {counted} of {user.EventCount} events so far (its partition replays since its snapshot); asking again");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(user.EventCount, counted);
    }

    /// <summary>
    /// Null once the clicks-by-type and the spread clicks-total views equal the truth (waiting up to 60 s for their last
    /// deliveries: the users matched first), else what differs; an over-count returns at once, it never heals.
    /// </summary>
    private static async Task<string?> VerifyViewsAsync(ClusterConnection client, GroundTruth truth)
    {
        var byType = truth.Users.Values.SelectMany(u => u.EventsByType).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Sum(t => t.Value));
        var bytes = truth.Users.Values.Sum(u => u.TotalBytes);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var all = await ClusterCallRetry.RunAsync(() => client.Client.GetGrain<IClickTotal>(0).GetAsync());
            var differences = new List<string>();
            if (all.Events != truth.Events || all.Bytes != bytes)
            {
                differences.Add($"every click {all.Events} events {all.Bytes} bytes != {truth.Events} and {bytes}");
            }

            foreach (var (type, events) in byType)
            {
                var counts = await ClusterCallRetry.RunAsync(() => client.Client.GetGrain<IClickTypeCounts>(type).GetAsync());
                if (counts.Events != events)
                {
                    differences.Add($"{type} {counts.Events} != {events}");
                }
            }

            var over = all.Events > truth.Events;
            if (differences.Count == 0 || over || DateTime.UtcNow > deadline)
            {
                return differences.Count == 0 ? null : string.Join("; ", differences);
            }

            await Task.Delay(1000);
        }
    }

    /// <summary>A split a quarter of the way through the faults, a merge of its two children at the half.</summary>
    private async Task ReshardAsync(ProcessCluster cluster, Stopwatch total, TimeSpan faults)
    {
        var kinesis = cluster.Kinesis;
        await Task.Delay(faults / 4);
        var first = (await kinesis.ListShardsAsync(cluster.Stream)).Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).First();
        var middle = first.HashKeyRange.StartingHashKey + ((first.HashKeyRange.EndingHashKey - first.HashKeyRange.StartingHashKey) / 2);
        await kinesis.SplitShardAsync(cluster.Stream, first.ShardId, middle);
        await kinesis.WaitForStreamActiveAsync(cluster.Stream, TimeSpan.FromSeconds(60));
        Log(total, $"split {first.ShardId}");

        await Task.Delay(faults / 4);
        var open = (await kinesis.ListShardsAsync(cluster.Stream)).Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        await kinesis.MergeShardsAsync(cluster.Stream, open[0].ShardId, open[1].ShardId);
        await kinesis.WaitForStreamActiveAsync(cluster.Stream, TimeSpan.FromSeconds(60));
        Log(total, $"merged {open[0].ShardId} and {open[1].ShardId}");
    }

    /// <summary>Puts records in chunks until stopped (about 300 a second); the truth counts only acknowledged ones.</summary>
    private static async Task<long> ProduceAsync(ProcessCluster cluster, GroundTruth truth, CancellationToken stop)
    {
        var producer = new ClickstreamProducer(cluster.Kinesis, cluster.Stream) { Concurrency = 1 };
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        for (var chunk = 0; !stop.IsCancellationRequested; chunk++)
        {
            var began = Stopwatch.StartNew();

            // Never cancelled half-way: a put whose answer is lost would make the truth unknowable.
            await producer.ProduceAsync(300, Keys, seed: chunk, truth, start: start.AddSeconds(chunk));
            var rest = TimeSpan.FromSeconds(1) - began.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(rest, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        return truth.Events;
    }

    /// <summary>Queries random keys through the faults; each call retries transient errors as every client of the helper does.</summary>
    internal static async Task<(long Calls, long Retried, List<string> Failed)> QueryAsync(ClusterConnection client, int seed, CancellationToken stop)
    {
        var random = new Random(seed + 1);
        long calls = 0, retried = 0;
        var failed = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            var user = ClickstreamGenerator.UserId(random.Next(Keys));
            var wasRetried = false;
            try
            {
                calls++;
                await ClusterCallRetry.RunAsync(() => client.Client.GetGrain<IUserActivity>(user).GetSummaryAsync(), onRetry: _ => wasRetried = true);
            }
            catch (Exception exception)
            {
                failed.Add($"{user}: {exception.GetType().Name}: {exception.Message}");
            }

            retried += wasRetried ? 1 : 0;
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (calls, retried, failed);
    }

    private void Log(Stopwatch total, string message) => output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1} s] {message}");
}
