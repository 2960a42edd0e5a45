using System.Diagnostics;
using System.Text.Json;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.EventsPerMinute;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using Orleans;
using Xunit;
using Xunit.Abstractions;
using KinesisGrains.Testing;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// Exactly-once results with real processes: three silos write the user-activity rows to a Delta table (one row per
/// event, numbered per user), the changelog to a DynamoDB table, and the rows to a Kinesis stream, while records flow.
/// One silo kills itself between a Delta upload and its log commit, one right after an epoch's commits before its
/// staged rows are deleted (and before the checkpoint, when the cycle had not moved it yet), and one is SIGKILLed at
/// random. At the end the state, the Delta table and the DynamoDB table equal the truth exactly, and the Kinesis stream
/// holds every row at least once, duplicates with equal row ids. The same run checks event time under the kills: each
/// chunk of records is an hour of event time after the one before, so every user's clicks of a chunk are one session;
/// the sessions table (Delta) holds each closed session once with its exact count and bytes, and the clicks per minute
/// of each type (windows fired before and after the kills, summed over the partitions) equal the truth.
/// </summary>
public sealed class SinkKillTests(ITestOutputHelper output)
{
    private const int Keys = 300;

    [Fact]
    public async Task Kills_around_sink_commits_leave_the_Delta_DynamoDB_and_Kinesis_outputs_exact()
    {
        var total = Stopwatch.StartNew();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var outStream = "out-" + suffix;
        var table = "users-" + suffix;
        await using var cluster = await ProcessCluster.StartAsync(
            silos: 3,
            shards: 4,
            ("Sinks:clicks:Type", "Delta"),
            ("Sinks:clicks:StateName", "user-activity"),
            ("Sinks:clicks:Output", "Emitted"),
            ("Sinks:clicks:Path", "tables/clicks"),
            ("Sinks:clicks:LogStore", "DynamoDB"),
            ("Sinks:users:Type", "DynamoDB"),
            ("Sinks:users:StateName", "user-activity"),
            ("Sinks:users:Table", table),
            ("Sinks:users:CreateTableIfMissing", "true"),
            ("Sinks:out:Type", "Kinesis"),
            ("Sinks:out:StateName", "user-activity"),
            ("Sinks:out:StreamName", outStream),
            ("Sinks:sessions:Type", "Delta"),
            ("Sinks:sessions:StateName", "user-sessions"),
            ("Sinks:sessions:Output", "Emitted"),
            ("Sinks:sessions:Path", "tables/sessions"),
            ("Sinks:sessions:LogStore", "DynamoDB"),
            // Event time here runs an hour per chunk, about an hour per second of the run: a shard counted idle while
            // its reader is gone (killed, its lease not taken over yet) would turn a whole chunk late. Idleness is
            // tested on its own (EndToEnd); here no shard is ever left out of the watermark.
            ("Kinesis:EventTime:Source", "Event"),
            ("Kinesis:EventTime:IdleTimeout", "00:00:00"));
        try
        {
            await RunAsync(cluster, outStream, table, total);
        }
        catch (Exception exception)
        {
            output.WriteLine($"FAILED: {exception.Message}\nSilo logs (kept): {cluster.LogDirectory}{cluster.LogTails()}");
            throw;
        }
    }

    private async Task RunAsync(ProcessCluster cluster, string outStream, string table, Stopwatch total)
    {
        await cluster.Kinesis.CreateStreamAsync(outStream, 1);
        await cluster.Kinesis.WaitForStreamActiveAsync(outStream, TimeSpan.FromSeconds(60));

        // Each crash point fires once per process: the N-th time that silo reaches it.
        var (uploader, committer, victim) = (cluster.Silos[0], cluster.Silos[1], cluster.Silos[2]);
        uploader.Environment[CrashPoints.EnvironmentVariable] = CrashPoints.SinkAfterUpload + "@6";
        committer.Environment[CrashPoints.EnvironmentVariable] = CrashPoints.SinkAfterCommit + "@9";
        await cluster.StartAllAsync();
        Log(total, "3 silos up; producing");

        var truth = new GroundTruth();
        var sessions = new List<Dictionary<string, (long Events, long Bytes)>>();
        var minutes = new List<Dictionary<string, long>>();
        var producer = new ClickstreamProducer(cluster.Kinesis, cluster.Stream) { Concurrency = 1 };
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddDays(-2);
        var chunk = 0;
        async Task ProduceAsync(int chunks)
        {
            for (var i = 0; i < chunks; i++, chunk++)
            {
                // A chunk's 250 clicks are about 3 ms apart: within its first minute, an hour after the chunk before.
                var before = truth.Users.ToDictionary(u => u.Key, u => u.Value);
                await producer.ProduceAsync(250, Keys, seed: chunk, truth, start: start.AddHours(chunk));
                sessions.Add(ChunkSessions(before, truth));
                minutes.Add(ChunkTypes(before, truth));
            }
        }

        // Records flow until both crash points have fired; each crashed silo restarts without its crash point.
        await ProduceAsync(4);
        foreach (var crashing in new[] { uploader, committer })
        {
            var deadline = Stopwatch.StartNew();
            while (!await crashing.WaitForExitAsync(TimeSpan.FromSeconds(1)))
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(120), $"{crashing.Name} never reached {crashing.Environment[CrashPoints.EnvironmentVariable]}");
                await ProduceAsync(1);
            }

            Log(total, $"{crashing.Name} crashed at {crashing.Environment[CrashPoints.EnvironmentVariable]}");
            crashing.Environment.Remove(CrashPoints.EnvironmentVariable);
            await ProduceAsync(1);
            await cluster.StartAsync(crashing);
            Log(total, $"{crashing.Name} restarted");
        }

        await ProduceAsync(2);
        victim.Kill();
        Log(total, $"SIGKILL {victim.Name}");
        await ProduceAsync(2);
        await cluster.StartAsync(victim);
        Log(total, $"{victim.Name} restarted; {truth.Events} records produced over {truth.Users.Count} keys");

        await using (var client = await cluster.ConnectAsync())
        {
            var state = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(120), CancellationToken.None);
            Assert.True(state.Count == 0, $"{state.Count} keys' state differ from the truth, e.g. {string.Join("; ", state.Take(3))}");
        }

        Log(total, "state exact");
        var delta = await Eventually.NoProblemsAsync(() => SinkTables.ClickProblemsAsync(cluster, truth), TimeSpan.FromSeconds(60));
        Assert.True(delta.Count == 0, $"the Delta table differs: {string.Join("; ", delta.Take(5))}");
        Log(total, "Delta table exact");
        var dynamo = await Eventually.NoProblemsAsync(() => SinkTables.UserItemProblemsAsync(cluster, table, truth), TimeSpan.FromSeconds(60));
        Assert.True(dynamo.Count == 0, $"the DynamoDB table differs: {string.Join("; ", dynamo.Take(5))}");
        Log(total, "DynamoDB table exact");
        var (kinesis, duplicates) = await KinesisProblemsAsync(cluster.Kinesis, outStream, truth);
        Assert.True(kinesis.Count == 0, $"the Kinesis stream differs: {string.Join("; ", kinesis.Take(5))}");
        Log(total, $"Kinesis stream holds every row; {duplicates} duplicates, all with equal row ids");

        // The last chunk's sessions stay open (no later click moves the watermark past them); every earlier one closed.
        var closedChunks = sessions.Count - 1;
        var sessionProblems = await Eventually.NoProblemsAsync(() => SessionProblemsAsync(cluster, start, sessions, closedChunks), TimeSpan.FromSeconds(60));
        if (sessionProblems.Count > 0)
        {
            foreach (var (silo, status) in await ClusterView.StatusesAsync(cluster))
            {
                output.WriteLine($"{silo.Name} /status: {status.GetRawText()}");
            }
        }

        Assert.True(sessionProblems.Count == 0, $"the sessions table differs ({sessionProblems.Count} problems): {string.Join("; ", sessionProblems.Take(8))}");
        Log(total, $"sessions table exact: {sessions.Take(closedChunks).Sum(c => c.Count)} closed sessions of {closedChunks} chunks");
        await using (var client = await cluster.ConnectAsync())
        {
            var minuteProblems = await Eventually.NoProblemsAsync(() => MinuteProblemsAsync(client.Client, start, minutes), TimeSpan.FromSeconds(60));
            Assert.True(minuteProblems.Count == 0, $"the clicks per minute differ: {string.Join("; ", minuteProblems.Take(8))}");
        }

        Log(total, "clicks per minute exact");
    }

    /// <summary>Each user's clicks of one chunk (one session): what the chunk added to the truth.</summary>
    private static Dictionary<string, (long Events, long Bytes)> ChunkSessions(Dictionary<string, UserActivitySummary> before, GroundTruth after) =>
        after.Users
            .Select(u => (u.Key, Events: u.Value.EventCount - (before.GetValueOrDefault(u.Key)?.EventCount ?? 0), Bytes: u.Value.TotalBytes - (before.GetValueOrDefault(u.Key)?.TotalBytes ?? 0)))
            .Where(u => u.Events > 0)
            .ToDictionary(u => u.Key, u => (u.Events, u.Bytes), StringComparer.Ordinal);

    /// <summary>Each click type's count in one chunk (its one minute).</summary>
    private static Dictionary<string, long> ChunkTypes(Dictionary<string, UserActivitySummary> before, GroundTruth after) =>
        after.Users
            .SelectMany(u => u.Value.EventsByType.Select(t => (t.Key, Count: t.Value - (before.GetValueOrDefault(u.Key)?.EventsByType.GetValueOrDefault(t.Key) ?? 0))))
            .GroupBy(t => t.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Count: g.Sum(t => t.Count)))
            .Where(t => t.Count > 0)
            .ToDictionary(t => t.Key, t => t.Count, StringComparer.Ordinal);

    /// <summary>
    /// Exactly once for windows fired on timers: per user and chunk, the latest row of its session (by revision) is
    /// its exact count and bytes, not retracted; no session has two rows of one revision; no other session exists.
    /// </summary>
    private static async Task<List<string>> SessionProblemsAsync(
        ProcessCluster cluster, DateTimeOffset start, List<Dictionary<string, (long Events, long Bytes)>> truth, int closedChunks)
    {
        if (await SinkTables.QueryAsync(cluster, "tables/sessions", "SELECT key, epoch_ms(windowStart), revision, events, value, retracted FROM t") is not { } table)
        {
            return ["no file committed yet"];
        }

        var rows = table.Rows
            .Select(r => (Key: (string)r[0]!, Chunk: (int)((Convert.ToInt64(r[1]) - start.ToUnixTimeMilliseconds()) / 3_600_000), Revision: Convert.ToInt64(r[2]), Events: Convert.ToInt64(r[3]), Bytes: Convert.ToInt64(r[4]), Retracted: (bool)r[5]!))
            .ToList();
        var problems = rows.GroupBy(r => (r.Key, r.Chunk, r.Revision)).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Key} chunk {g.Key.Chunk}: {g.Count()} rows of revision {g.Key.Revision}").ToList();
        var latest = rows.GroupBy(r => (r.Key, r.Chunk)).ToDictionary(g => g.Key, g => g.MaxBy(r => r.Revision));
        for (var chunk = 0; chunk < truth.Count; chunk++)
        {
            foreach (var (user, expected) in truth[chunk])
            {
                if (latest.Remove((user, chunk), out var row))
                {
                    if ((row.Events, row.Bytes, row.Retracted) != (expected.Events, expected.Bytes, false))
                    {
                        problems.Add($"{user} chunk {chunk}: (events, bytes, retracted) ({row.Events}, {row.Bytes}, {row.Retracted}), expected ({expected.Events}, {expected.Bytes}, False)");
                    }
                }
                else if (chunk < closedChunks)
                {
                    problems.Add($"{user} chunk {chunk}: no session, expected ({expected.Events}, {expected.Bytes})");
                }
            }
        }

        problems.AddRange(latest.Keys.Select(k => $"{k.Key} chunk {k.Chunk}: a session the truth does not have"));
        return problems;
    }

    /// <summary>The clicks per minute of each type (the query adds up the partitions' parts) for the minutes it still keeps.</summary>
    private static async Task<List<string>> MinuteProblemsAsync(IClusterClient client, DateTimeOffset start, List<Dictionary<string, long>> truth)
    {
        var problems = new List<string>();
        foreach (var type in truth.SelectMany(c => c.Keys).Distinct())
        {
            var windows = await client.GetKeyedGrain<IEventsPerMinute>(type).GetMinutesAsync();
            var closed = windows.Where(w => w.Closed).ToList();
            if (closed.Count == 0)
            {
                problems.Add($"{type}: no closed minute");
            }

            var missing = Enumerable.Range(0, truth.Count - 1).Where(c => truth[c].ContainsKey(type) && !closed.Any(w => w.Start == start.AddHours(c))).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"{type}: no closed minute for chunks {string.Join(", ", missing)}");
            }

            foreach (var window in closed)
            {
                var chunk = (int)((window.Start - start).Ticks / TimeSpan.TicksPerHour);
                var expected = chunk < truth.Count ? truth[chunk].GetValueOrDefault(type) : 0;
                if (window.Start != start.AddHours(chunk) || window.Events != expected)
                {
                    problems.Add($"{type} minute {window.Start:O}: {window.Events} clicks, expected {expected}");
                }
            }
        }

        return problems;
    }

    /// <summary>At least once: by row id, each user's rows number 1..N; copies of a row id are the same row.</summary>
    private static async Task<(List<string> Problems, int Duplicates)> KinesisProblemsAsync(KinesisClient kinesis, string stream, GroundTruth truth)
    {
        var records = new List<JsonElement>();
        foreach (var shard in await kinesis.ListShardsAsync(stream))
        {
            var iterator = await kinesis.GetShardIteratorAsync(stream, shard.ShardId, ShardIteratorType.TrimHorizon);
            while (iterator is not null)
            {
                var page = await kinesis.GetRecordsAsync(iterator);
                if (page.Records.Count == 0)
                {
                    break;
                }

                records.AddRange(page.Records.Select(r => JsonDocument.Parse(r.Data).RootElement.Clone()));
                iterator = page.NextShardIterator;
            }
        }

        var byRowId = records.GroupBy(r => r.GetProperty("rowId").GetString()!).ToList();
        var problems = byRowId.Where(g => g.Select(r => r.GetProperty("row").GetRawText()).Distinct().Count() > 1).Select(g => $"row id {g.Key} carries different rows").ToList();
        var numbers = byRowId.Select(g => g.First().GetProperty("row"))
            .GroupBy(r => r.GetProperty("userId").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(r => r.GetProperty("eventNumber").GetInt64()).Order().ToList());
        foreach (var (user, expected) in truth.Users)
        {
            var got = numbers.GetValueOrDefault(user) ?? [];
            if (!got.SequenceEqual(Enumerable.Range(1, (int)expected.EventCount).Select(n => (long)n)))
            {
                problems.Add($"{user}: {got.Count} distinct rows, expected 1..{expected.EventCount}");
            }
        }

        return (problems, records.Count - byRowId.Count);
    }

    private void Log(Stopwatch total, string what) => output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1} s] {what}");
}
