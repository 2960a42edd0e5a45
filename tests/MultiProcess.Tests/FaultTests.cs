using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Client;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Testing.Faults;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// Three silo processes on kinesis-local, dynalite and s3rver (S3 and DynamoDB reached through fault-injecting
/// proxies) while records flow and queries run; each of these happens at least once, in a seeded order: a SIGKILL and
/// restart, a SIGSTOP longer than failure detection then SIGCONT (a zombie), the newest snapshot of a partition deleted
/// and another partition's newest manifest corrupted (with a SIGKILL of their silo, so that they restore elsewhere), S3 hung for 60 s, and DynamoDB (leases, membership, snapshot fence) cut for 30 s.
/// At the end every key's total is exact and every dead letter is written exactly once; how long each recovery took is
/// printed (README, Operations).
/// </summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan S3Hang = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DynamoDBOutage = TimeSpan.FromSeconds(30);

    // The checkpoints "after" the S3 hang are read this long before it ends, while every S3 request is still held.
    private static readonly TimeSpan AfterReadMargin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(150);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_incarnations = new(StringComparer.Ordinal);

    private readonly Stopwatch _total = Stopwatch.StartNew();
    private readonly List<Recovery> _recoveries = [];
    private readonly List<string> _notes = [];

    private enum FaultStep
    {
        Kill,
        Zombie,
        SnapshotsLost,
        S3Hung,
        DynamoDBCut,
    }

    [FaultRunFact]
    public async Task Kills_a_zombie_lost_snapshots_and_hung_S3_and_DynamoDB_leave_every_total_and_dead_letter_exact()
    {
        // CI: each fault once (about 4 minutes); FAULTS_MINUTES=N: rounds of them for N minutes (README, Operations).
        var soak = Environment.GetEnvironmentVariable("FAULTS_MINUTES") is { Length: > 0 } minutes
            ? TimeSpan.FromMinutes(double.Parse(minutes, CultureInfo.InvariantCulture))
            : TimeSpan.Zero;
        var seed = Environment.GetEnvironmentVariable("FAULTS_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : 13;
        await using var cluster = await ProcessCluster.StartWithFaultProxiesAsync(
            silos: 3,
            shards: 4,
            ("Snapshots:UploadAttemptTimeout", "00:00:05"),
            ("DeadLetters:S3Prefix", "dead-letters"),
            ("DeadLetters:FlushInterval", "00:00:02"));
        Log($"emulators up, stream {cluster.Stream}; silos reach S3 through {cluster.S3Proxy!.Endpoint} and DynamoDB through {cluster.DynamoDBProxy!.Endpoint}; silo logs in {cluster.LogDirectory}; seed {seed}");
        try
        {
            await RunAsync(cluster, seed, soak);
        }
        catch (Exception exception)
        {
            output.WriteLine($"FAILED: {exception.Message}\nSilo logs (kept): {cluster.LogDirectory}{cluster.LogTails()}");
            throw;
        }
        finally
        {
            PrintRecoveries();
        }

        Log("done");
    }

    private async Task RunAsync(ProcessCluster cluster, int seed, TimeSpan soak)
    {
        await cluster.StartAllAsync();
        Log($"3 silos up: {string.Join(", ", cluster.Silos.Select(s => $"{s.Name} pid {s.ProcessId}"))}");
        await using var client = await cluster.ConnectAsync();
        using var s3 = ClusterBucket.NewClient(cluster);
        var shards = (await cluster.Kinesis.ListShardsAsync(cluster.Stream)).Select(s => s.ShardId).ToList();

        using var stop = new CancellationTokenSource();
        var workload = new FaultWorkload(cluster);
        var producing = workload.ProduceAsync(stop.Token);
        var querying = ChaosTests.QueryAsync(client, seed, stop.Token);
        var random = new Random(seed);

        // Every partition active with a few snapshots behind it, before the first fault.
        await WaitAsync("every partition active with two snapshots", TimeSpan.FromSeconds(120), async () =>
            (await ClusterView.PartitionHostsAsync(cluster)) is { Count: 8 } hosts
            && (await Task.WhenAll(hosts.Keys.Select(p => CommittedSnapshotsAsync(s3, cluster, p)))).All(ids => ids.Count >= 2));
        Log("warmed up: 8 partitions active, each with snapshots");

        var round = 0;
        var faults = Stopwatch.StartNew();
        do
        {
            round++;
            var steps = Enum.GetValues<FaultStep>().OrderBy(_ => random.Next()).ToList();
            Log($"round {round}: {string.Join(", ", steps)}");
            foreach (var step in steps)
            {
                switch (step)
                {
                    case FaultStep.Kill:
                        await KillAsync(cluster, client, workload, shards, random);
                        break;
                    case FaultStep.Zombie:
                        await ZombieAsync(cluster, client, workload, shards, random);
                        break;
                    case FaultStep.SnapshotsLost:
                        await LoseNewestSnapshotsAsync(cluster, client, workload, shards, s3, random);
                        break;
                    case FaultStep.S3Hung:
                        await HangS3Async(cluster, client, workload, shards);
                        break;
                    case FaultStep.DynamoDBCut:
                        await CutDynamoDBAsync(cluster, client, workload, shards);
                        break;
                }

                await Task.Delay(TimeSpan.FromSeconds(0.5 + random.NextDouble()));
            }
        }
        while (faults.Elapsed < soak);

        await stop.CancelAsync();
        var produced = await producing;
        var queries = await querying;
        var truth = workload.Truth;
        Log($"produced {produced:N0} records over {truth.Users.Count} keys and {workload.Poison.Count} poison records; {queries.Calls} queries during the faults, {queries.Retried} retried, {queries.Failed.Count} failed");

        var mismatches = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(90), CancellationToken.None);

        Log($"verified {truth.Users.Count} keys: {mismatches.Count} mismatches");
        foreach (var note in _notes)
        {
            output.WriteLine("  " + note);
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} keys differ from the truth, e.g. {string.Join("; ", mismatches.Take(5))}");
        Assert.True(queries.Failed.Count == 0, $"{queries.Failed.Count} queries failed despite retries: {string.Join("; ", queries.Failed.Take(3))}");
        Assert.True(queries.Calls > 0, "no query ran during the faults");

        // Last, so that the totals are known whatever it says: each poison record dead-lettered exactly once, in the
        // silos' folders and in S3.
        await CheckDeadLettersAsync(cluster, s3, workload.Poison);
    }

    /// <summary>SIGKILL of a seeded silo; restarted 2 s later, as a supervisor would.</summary>
    private async Task KillAsync(ProcessCluster cluster, ClusterConnection client, FaultWorkload workload, IReadOnlyCollection<string> shards, Random random)
    {
        var victim = cluster.Silos[random.Next(cluster.Silos.Count)];
        var (began, applied) = Begin(cluster, shards);
        victim.Kill();
        Log($"SIGKILL {victim.Name}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StartAsync(victim);
        Log($"restarted {victim.Name} (pid {victim.ProcessId})");
        await EndAsync("SIGKILL + restart 2 s later", began, applied, client, workload, "");
    }

    /// <summary>
    /// SIGSTOP of a seeded silo until the others have taken every shard it read and every partition it held (it was
    /// declared dead), then SIGCONT: the zombie runs on and tries to write; Orleans makes a silo that finds itself
    /// declared dead stop, and the test restarts it.
    /// </summary>
    private async Task ZombieAsync(ProcessCluster cluster, ClusterConnection client, FaultWorkload workload, IReadOnlyCollection<string> shards, Random random)
    {
        var victim = cluster.Silos[random.Next(cluster.Silos.Count)];
        var itsShards = (await ClusterView.LeaseHoldersAsync(cluster)).Where(h => h.Value == victim).Select(h => h.Key).ToList();
        var itsPartitions = (await ClusterView.PartitionHostsAsync(cluster)).Where(h => h.Value == victim).Select(h => h.Key).ToList();
        var (began, applied) = Begin(cluster, shards);
        victim.Pause();
        Log($"SIGSTOP {victim.Name} (pid {victim.ProcessId}), reading {string.Join(",", itsShards)}, holding {itsPartitions.Count} partitions");

        // Its shards read elsewhere and its partitions active elsewhere: Orleans declared it dead and the leases moved.
        await WaitAsync($"{victim.Name}'s shards and partitions taken over", TimeSpan.FromSeconds(90), async () =>
        {
            var holders = await ClusterView.LeaseHoldersAsync(cluster);
            var hosts = await ClusterView.PartitionHostsAsync(cluster);
            return itsShards.All(s => holders.GetValueOrDefault(s) is { } h && h != victim)
                && itsPartitions.All(p => hosts.GetValueOrDefault(p) is { } h && h != victim);
        });
        var movedAfter = Stopwatch.GetElapsedTime(began.Ticks);
        Log($"{victim.Name}'s shards and partitions moved after {movedAfter.TotalSeconds:F1} s");
        await Task.Delay(TimeSpan.FromSeconds(1));

        var resumedAt = DateTimeOffset.UtcNow;
        victim.Resume();
        Log($"SIGCONT {victim.Name} after {(resumedAt - began.At).TotalSeconds:F1} s stopped");
        var exited = await victim.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var zombieLog = victim.Tail(2000);
        zombieLog = zombieLog[Math.Max(0, zombieLog.LastIndexOf("=== test: SIGCONT", StringComparison.Ordinal))..];
        var what = exited
            ? $"it exited by itself {(DateTimeOffset.UtcNow - resumedAt).TotalSeconds:F1} s after SIGCONT with code {victim.ExitCode}"
            : "it was still running 60 s after SIGCONT: killed";
        if (!exited)
        {
            victim.Kill();
        }

        var fenced = Count(zombieLog, "is fenced");
        var lostLeases = Count(zombieLog, "Lost the lease");
        var takenLeases = Count(zombieLog, "Stole the lease") + Count(zombieLog, "Took the lease");
        var note = $"zombie {victim.Name}: stopped {(resumedAt - began.At).TotalSeconds:F0} s (shards and partitions moved after {movedAfter.TotalSeconds:F1} s); after SIGCONT {what}; "
            + $"its log then: {fenced} fenced snapshot writers, {lostLeases} leases lost to the new owners, {takenLeases} leases taken or stolen, {Count(zombieLog, "Checkpoint cycle failed")} failed checkpoint cycles, told it is dead: {zombieLog.Contains("I have been told I am dead", StringComparison.Ordinal)}";
        _notes.Add(note);
        Log(note);
        await cluster.StartAsync(victim);
        Log($"restarted {victim.Name} (pid {victim.ProcessId})");
        await EndAsync("SIGSTOP past failure detection, SIGCONT (zombie)", began, applied, client, workload, $"moved after {movedAfter.TotalSeconds:F1} s; {(exited ? "exited by itself" : "did not exit")}");
    }

    /// <summary>
    /// SIGKILL of a seeded silo holding at least two partitions, then the newest snapshot of one of them deleted and,
    /// separately, the newest manifest of another corrupted, before they activate elsewhere: each restore must fall back
    /// to the previous snapshot, and the shards replay from where that snapshot holds them.
    /// </summary>
    private async Task LoseNewestSnapshotsAsync(
        ProcessCluster cluster, ClusterConnection client, FaultWorkload workload, IReadOnlyCollection<string> shards, IAmazonS3 s3, Random random)
    {
        var bySilo = (await ClusterView.PartitionHostsAsync(cluster)).GroupBy(h => h.Value).Where(g => g.Count() >= 2).OrderBy(g => g.Key.Name, StringComparer.Ordinal).ToList();
        Assert.True(bySilo.Count > 0, "no silo holds two partitions");
        var chosen = bySilo[random.Next(bySilo.Count)];
        var victim = chosen.Key;
        var partitions = chosen.Select(h => h.Key).Order(StringComparer.Ordinal).OrderBy(_ => random.Next()).Take(2).ToList();
        var (began, applied) = Begin(cluster, shards);
        victim.Kill();

        // Nothing writes these partitions now until they activate on another silo (after failure detection).
        var lost = new List<(string Partition, long Newest, string Fault)>();
        foreach (var (partition, corrupt) in partitions.Zip([false, true]))
        {
            // The newest committed snapshot (the pointer's), not the newest listed manifest: the killed silo may have
            // uploaded a manifest it never committed, and losing that one would make no restore fall back.
            var ids = await CommittedSnapshotsAsync(s3, cluster, partition);
            Assert.True(ids.Count >= 2, $"{partition} has {ids.Count} committed snapshots retained: nothing to fall back to");
            var newest = ids[^1];
            var manifest = await ManifestKeyAsync(s3, cluster, partition, newest) ?? throw new InvalidOperationException($"The manifest of snapshot {newest} of {partition} is gone.");
            if (corrupt)
            {
                var text = await ReadTextAsync(s3, cluster.Stream, manifest);
                await ClusterBucket.RetryAsync(() => s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = cluster.Stream,
                    Key = manifest,
                    ContentBody = text[..(text.Length / 2)] + "#corrupt",
                    UseChunkEncoding = false,
                }));
            }
            else
            {
                var privateFiles = manifest[..manifest.IndexOf("/manifests/", StringComparison.Ordinal)] + $"/private/{newest:D20}/";
                foreach (var key in (await ClusterBucket.ListAsync(s3, cluster.Stream, privateFiles)).Append(manifest))
                {
                    await ClusterBucket.RetryAsync(() => s3.DeleteObjectAsync(cluster.Stream, key));
                }
            }

            lost.Add((partition, newest, corrupt ? "newest manifest corrupted" : "newest snapshot deleted"));
            Log($"{partition}: {lost[^1].Fault} (snapshot {newest}; retained {string.Join(", ", ids)})");
        }

        Log($"SIGKILL {victim.Name}, host of {string.Join(" and ", partitions)}, before the S3 changes");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.StartAsync(victim);
        Log($"restarted {victim.Name} (pid {victim.ProcessId})");
        await EndAsync(
            "newest snapshot of one partition deleted, another's newest manifest corrupted, SIGKILL of their silo",
            began,
            applied,
            client,
            workload,
            string.Join("; ", lost.Select(l => $"{l.Partition}: {l.Fault}")));

        // Each partition restored an older snapshot, and said so.
        foreach (var (partition, newest, fault) in lost)
        {
            var fellBack = "";
            await WaitAsync($"{partition} restored with a fall-back", TimeSpan.FromSeconds(30), () =>
            {
                fellBack = cluster.Silos.SelectMany(s => s.Logs).SelectMany(ClusterBucket.ReadShared)
                    .FirstOrDefault(l => l.Contains($"Partition {partition} restored the OLDER snapshot", StringComparison.Ordinal) && l.Contains($"({newest})", StringComparison.Ordinal)) ?? "";
                return Task.FromResult(fellBack.Length > 0);
            });
            _notes.Add($"{fault}, {partition}: {fellBack.Trim()}");
        }
    }

    /// <summary>Every S3 request of the silos hangs for 60 s; snapshots time out and retry; the checkpoints stay where they were.</summary>
    private async Task HangS3Async(ProcessCluster cluster, ClusterConnection client, FaultWorkload workload, IReadOnlyCollection<string> shards)
    {
        var proxy = cluster.S3Proxy!;
        var (began, applied) = Begin(cluster, shards);
        var until = DateTime.UtcNow + S3Hang;
        proxy.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.Delay(S3Hang));
        Log($"S3 hangs for {S3Hang.TotalSeconds:F0} s");

        // A barrier whose uploads were done may still commit (DynamoDB) and checkpoint just after; none after that.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var before = await ClusterView.CheckpointsAsync(cluster);
        var faulted = proxy.FaultsInjected(FaultInjectingProxy.AnyOperation);
        while (until - DateTime.UtcNow is var left && left > AfterReadMargin)
        {
            // Requests are held until about the end of the hang, not 60 s from their arrival.
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, (left - AfterReadMargin).TotalSeconds)));
            proxy.ClearFaults();
            proxy.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.Delay(until - DateTime.UtcNow));
        }

        // Read while S3 still hangs: the held requests go through at the end, and the barriers they held then finish.
        var after = await ClusterView.CheckpointsAsync(cluster);
        var readBeforeTheEnd = until - DateTime.UtcNow;
        Assert.True(readBeforeTheEnd > TimeSpan.Zero, $"the silos' checkpoints were read {-readBeforeTheEnd.TotalSeconds:F1} s after S3 came back: no proof they held still");
        await Task.Delay(readBeforeTheEnd);
        proxy.ClearFaults();
        var held = proxy.FaultsInjected(FaultInjectingProxy.AnyOperation);
        Log($"S3 back; {held} S3 requests were held (from {faulted} 3 s in)");
        var moved = before.Where(b => after.TryGetValue(b.Key, out var a) && a != b.Value).Select(b => $"{b.Key}: {b.Value} → {after[b.Key]}").ToList();
        Assert.True(moved.Count == 0, $"checkpoints moved while S3 hung: {string.Join("; ", moved)}");
        Assert.True(held > 0, "no S3 request met the hang");
        await EndAsync($"S3 hung {S3Hang.TotalSeconds:F0} s", began, applied, client, workload, $"{held} requests held; checkpoints still");
    }

    /// <summary>Every DynamoDB request of the silos (leases, membership, snapshot fence) gets its connection dropped for 30 s.</summary>
    private async Task CutDynamoDBAsync(ProcessCluster cluster, ClusterConnection client, FaultWorkload workload, IReadOnlyCollection<string> shards)
    {
        var proxy = cluster.DynamoDBProxy!;
        var (began, applied) = Begin(cluster, shards);
        proxy.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.Disconnect);
        var before = proxy.FaultsInjected(FaultInjectingProxy.AnyOperation);
        Log($"DynamoDB unreachable for {DynamoDBOutage.TotalSeconds:F0} s");
        await Task.Delay(DynamoDBOutage);
        proxy.ClearFaults();
        var refused = proxy.FaultsInjected(FaultInjectingProxy.AnyOperation) - before;
        Log($"DynamoDB back; {refused} requests refused");
        Assert.True(refused > 0, "no DynamoDB request met the outage");
        await EndAsync($"DynamoDB unreachable {DynamoDBOutage.TotalSeconds:F0} s", began, applied, client, workload, $"{refused} requests refused");
    }

    /// <summary>The fault's start, and a watch for the first moment after it when every shard has a read applied again.</summary>
    private (FaultStart Began, Task<TimeSpan?> Applied) Begin(ProcessCluster cluster, IReadOnlyCollection<string> shards)
    {
        var began = new FaultStart(DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
        return (began, WatchAppliedAsync(cluster, shards, began));
    }

    private static async Task<TimeSpan?> WatchAppliedAsync(ProcessCluster cluster, IReadOnlyCollection<string> shards, FaultStart began)
    {
        while (Stopwatch.GetElapsedTime(began.Ticks) < RecoveryLimit)
        {
            if (await ClusterView.EveryShardAppliedSinceAsync(cluster, shards, began.At))
            {
                return Stopwatch.GetElapsedTime(began.Ticks);
            }

            await Task.Delay(250);
        }

        return null;
    }

    /// <summary>After the fault is lifted: until every record acknowledged so far is counted; records the recovery.</summary>
    private async Task EndAsync(string fault, FaultStart began, Task<TimeSpan?> applied, ClusterConnection client, FaultWorkload workload, string detail)
    {
        var lasted = Stopwatch.GetElapsedTime(began.Ticks);
        var want = workload.Acknowledged();
        int behind;
        while ((behind = await FaultWorkload.BehindAsync(client, want, CancellationToken.None)) > 0)
        {
            if (Stopwatch.GetElapsedTime(began.Ticks) > RecoveryLimit + lasted)
            {
                throw new TimeoutException(
                    $"After '{fault}' ({detail}), {behind} of {want.Count} keys still miss records acknowledged before it was lifted, {Stopwatch.GetElapsedTime(began.Ticks).TotalSeconds:F0} s after it began: a stall.");
            }

            await Task.Delay(500);
        }

        var converged = Stopwatch.GetElapsedTime(began.Ticks);
        var firstApplied = await applied;
        var recovery = new Recovery(fault, lasted, firstApplied, converged, detail);
        _recoveries.Add(recovery);
        Log($"recovered from {fault}: lasted {lasted.TotalSeconds:F1} s; every shard applying again {Seconds(firstApplied)}, totals caught up {converged.TotalSeconds:F1} s after it began");
        Assert.True(firstApplied is not null, $"after '{fault}' some shard had no read applied within {RecoveryLimit.TotalSeconds:F0} s: a stall");
    }

    /// <summary>Each poison record in exactly one dead-letter file (once per silo folder holding a copy of it), and exactly once in S3.</summary>
    private async Task CheckDeadLettersAsync(ProcessCluster cluster, IAmazonS3 s3, IReadOnlyList<PoisonRecord> poison)
    {
        Assert.True(poison.Count >= 3, $"only {poison.Count} poison records were produced");

        // Shipping runs every 2 s and retries what failed; give it a few rounds.
        List<(string Where, JsonElement Letter)> local;
        List<(string Where, JsonElement Letter)> shipped;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            local = [.. cluster.Silos.SelectMany(LocalDeadLetters)];
            shipped = [];
            foreach (var key in await ClusterBucket.ListAsync(s3, cluster.Stream, $"dead-letters/app-{cluster.Stream}/"))
            {
                shipped.AddRange(Letters(key, await ReadTextAsync(s3, cluster.Stream, key)));
            }

            if (poison.All(p => Matching(shipped, p).Any()) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(2_000);
        }

        var problems = new List<string>();
        foreach (var record in poison)
        {
            var here = Matching(local, record).ToList();
            var there = Matching(shipped, record).ToList();
            var line = $"{record.PartitionKey} (shard {record.ShardId}, sequence {record.SequenceNumber}): {here.Count} in the silos' folders [{string.Join(", ", here.Select(h => h.Where))}], {there.Count} in S3 [{string.Join(", ", there.Select(t => t.Where))}]";
            output.WriteLine("  dead letter " + line);

            // In one dead-letter file (state, partition, epoch) and once in S3, under that file's name. A silo killed or
            // frozen after writing the file but before the snapshot that records it keeps its copy, and the partition's
            // next owner writes the same file again from that snapshot: the same name, so the same S3 object. Each silo's
            // folder holds the letter once.
            var files = here.Select(h => FileName(h.Where)).Distinct(StringComparer.Ordinal).ToList();
            if (files.Count != 1
                || here.GroupBy(h => h.Where[..h.Where.IndexOf('/', StringComparison.Ordinal)], StringComparer.Ordinal).Any(g => g.Count() != 1)
                || there.Count != 1
                || FileName(there[0].Where) != files[0])
            {
                problems.Add(line);
            }
        }

        Log($"dead letters: {poison.Count} poison records; {local.Count} letters in the silos' folders, {shipped.Count} in S3; {problems.Count} not exactly once");
        Assert.True(problems.Count == 0, $"{problems.Count} of {poison.Count} dead letters were not written exactly once:\n{string.Join("\n", problems)}");
    }

    /// <summary>The file name of a letter's place: <c>silo-1/dead-letters-….jsonl:3</c> or <c>dead-letters/app-…/yyyy/MM/dd/dead-letters-….jsonl:3</c>.</summary>
    private static string FileName(string where) => Path.GetFileName(where[..where.LastIndexOf(':')]);

    private static IEnumerable<(string Where, JsonElement Letter)> Matching(IEnumerable<(string Where, JsonElement Letter)> letters, PoisonRecord record) =>
        letters.Where(l => ClusterView.Text(l.Letter, "shardId") == record.ShardId && ClusterView.Text(l.Letter, "sequenceNumber") == record.SequenceNumber);

    private static IEnumerable<(string Where, JsonElement Letter)> LocalDeadLetters(SiloProcess silo)
    {
        var folder = Path.Combine(silo.DataDirectory, "dead-letters");
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "dead-letters-*.jsonl").SelectMany(file => Letters($"{silo.Name}/{Path.GetFileName(file)}", string.Join('\n', ClusterBucket.ReadShared(file))))
            : [];
    }

    private static IEnumerable<(string Where, JsonElement Letter)> Letters(string where, string jsonLines)
    {
        var lines = jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            using var document = JsonDocument.Parse(lines[i]);
            yield return ($"{where}:{i + 1}", document.RootElement.Clone());
        }
    }

    /// <summary>
    /// The committed snapshots of <paramref name="partition"/> that its writer retains, ascending, the latest last: the
    /// silos' snapshot pointer row (DynamoDB table <c>{application}-snapshots</c>), as the silos' restores see them.
    /// </summary>
    private static async Task<List<long>> CommittedSnapshotsAsync(IAmazonS3 s3, ProcessCluster cluster, string partition)
    {
        // The silos key the rows by bucket and snapshot prefix, which holds the application's incarnation.
        if (await ManifestsPrefixAsync(s3, cluster, partition) is not { } manifests)
        {
            return [];
        }

        var root = manifests[..^$"{partition}/manifests/".Length];
        using var fence = new DynamoDBSnapshotFence(
            new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = cluster.Emulators.DynamoDB.ToString(), AuthenticationRegion = "us-east-1" }),
            new DynamoDBSnapshotFenceOptions { TableName = $"{cluster.ApplicationName}-snapshots", KeyPrefix = $"{cluster.Stream}/{root}" },
            ownsClient: true);
        var pointer = await fence.ReadAsync(partition, CancellationToken.None);
        return pointer is { LatestSnapshotId: > 0 } ? [.. pointer.RetainedSnapshotIds.Append(pointer.LatestSnapshotId).Distinct().Order()] : [];
    }

    private static async Task<string?> ManifestKeyAsync(IAmazonS3 s3, ProcessCluster cluster, string partition, long id)
    {
        var key = $"{await ManifestsPrefixAsync(s3, cluster, partition)}{id:D20}.json";
        return (await ClusterBucket.ListAsync(s3, cluster.Stream, key)).Contains(key) ? key : null;
    }

    /// <summary>
    /// <c>snapshots/{application}/{incarnation}/{partition}/manifests/</c>: the incarnation is found once with a
    /// delimited listing, so that no listing walks the whole bucket (nothing is pruned younger than 10 minutes).
    /// </summary>
    private static async Task<string?> ManifestsPrefixAsync(IAmazonS3 s3, ProcessCluster cluster, string partition)
    {
        if (s_incarnations.TryGetValue(cluster.Stream, out var incarnation))
        {
            return $"{incarnation}{partition}/manifests/";
        }

        var root = $"snapshots/app-{cluster.Stream}/";
        var page = await ClusterBucket.RetryAsync(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = cluster.Stream, Prefix = root, MaxKeys = 1 }));
        if (page.S3Objects is not [var first])
        {
            // No snapshot yet.
            return null;
        }

        var found = root + first.Key[root.Length..].Split('/')[0] + "/";
        s_incarnations[cluster.Stream] = found;
        return $"{found}{partition}/manifests/";
    }

    private static async Task<string> ReadTextAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await ClusterBucket.RetryAsync(() => s3.GetObjectAsync(bucket, key));
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitAsync(string what, TimeSpan timeout, Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds:F0} s: {what}.");
            }

            await Task.Delay(250);
        }
    }

    private void PrintRecoveries()
    {
        output.WriteLine("Recovery after each fault (seconds from the fault's start):");
        output.WriteLine("| fault | lasted | every shard applying reads again | totals caught up (all records acknowledged before its end counted) | detail |");
        output.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var r in _recoveries)
        {
            output.WriteLine($"| {r.Fault} | {r.Lasted.TotalSeconds:F1} | {Seconds(r.FirstApplied)} | {r.Converged.TotalSeconds:F1} | {r.Detail} |");
        }
    }

    private static string Seconds(TimeSpan? time) => time is { } t ? $"{t.TotalSeconds:F1} s" : "never";

    private void Log(string message) => output.WriteLine($"[{_total.Elapsed.TotalSeconds,6:F1} s] {message}");

    private readonly record struct FaultStart(DateTimeOffset At, long Ticks);

    private sealed record Recovery(string Fault, TimeSpan Lasted, TimeSpan? FirstApplied, TimeSpan Converged, string Detail);
}
