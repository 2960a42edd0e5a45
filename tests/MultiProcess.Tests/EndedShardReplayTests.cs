using System.Diagnostics;
using Amazon.S3.Model;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// Rule 4 after SHARD_END, with real processes: a shard is split and read to its end, the silo is SIGKILLed, and every
/// snapshot manifest is corrupted, so the partitions come back empty. The open children replay from their origin as
/// any gap does; the ended parent has no reader left, so only a barrier's claim of its end finds that the partitions
/// lost it and asks for its replay. Every key's total must come out exact.
/// </summary>
public sealed class EndedShardReplayTests(ITestOutputHelper output)
{
    private const int Keys = 200;

    [Fact]
    public async Task Partitions_that_come_back_behind_an_ended_shards_end_get_it_replayed()
    {
        var total = Stopwatch.StartNew();
        await using var cluster = await ProcessCluster.StartAsync(silos: 1, shards: 1, ("Kinesis:CheckpointInterval", "00:00:01"));
        try
        {
            await RunAsync(cluster, total);
        }
        catch (Exception exception)
        {
            output.WriteLine($"FAILED: {exception.Message}\nSilo logs (kept): {cluster.LogDirectory}{cluster.LogTails()}");
            throw;
        }
    }

    private async Task RunAsync(ProcessCluster cluster, Stopwatch total)
    {
        var silo = cluster.Silos[0];
        await cluster.StartAllAsync();
        var truth = new GroundTruth();
        var producer = new ClickstreamProducer(cluster.Kinesis, cluster.Stream) { Concurrency = 1 };
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        await producer.ProduceAsync(600, Keys, seed: 1, truth, start: start);

        var parent = (await cluster.Kinesis.ListShardsAsync(cluster.Stream)).Single();
        await using (var client = await cluster.ConnectAsync())
        {
            await ExactAsync(client, truth, "before the split", TimeSpan.FromSeconds(90));
        }

        var middle = parent.HashKeyRange.StartingHashKey + ((parent.HashKeyRange.EndingHashKey - parent.HashKeyRange.StartingHashKey) / 2);
        await cluster.Kinesis.SplitShardAsync(cluster.Stream, parent.ShardId, middle);
        await cluster.Kinesis.WaitForStreamActiveAsync(cluster.Stream, TimeSpan.FromSeconds(60));
        await producer.ProduceAsync(300, Keys, seed: 2, truth, start: start.AddMinutes(10));
        Log(total, $"split {parent.ShardId}; 300 records on its children");

        // The parent ended and its SHARD_END is written; the children's checkpoints moved after it (their barriers'
        // snapshots are what the kill below takes away).
        await WaitAsync("the parent's SHARD_END and the children's checkpoints", TimeSpan.FromSeconds(90), async () =>
        {
            var checkpoints = await ClusterView.CheckpointsAsync(cluster);
            var statuses = await ClusterView.StatusesAsync(cluster);
            var parentEnded = statuses.SelectMany(s => ClusterView.Shards(s.Status))
                .Any(s => ClusterView.ShardId(s) == parent.ShardId && ClusterView.Checkpoint(s) == "SHARD_END");
            return parentEnded && checkpoints.Count == 2 && checkpoints.Values.All(c => c is { Length: > 0 } && char.IsDigit(c[0]));
        });
        await using (var client = await cluster.ConnectAsync())
        {
            await ExactAsync(client, truth, "after the split", TimeSpan.FromSeconds(90));
        }

        // SIGKILL, then every manifest corrupted: each partition restores nothing and starts empty.
        silo.Kill();
        using var s3 = ClusterBucket.NewClient(cluster);
        var manifests = (await ClusterBucket.ListAsync(s3, cluster.Stream, ""))
            .Where(k => k.Contains("/manifests/", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(manifests);
        foreach (var key in manifests)
        {
            await ClusterBucket.RetryAsync(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = cluster.Stream, Key = key, ContentBody = "#corrupt", UseChunkEncoding = false }));
        }

        Log(total, $"SIGKILL {silo.Name}; {manifests.Count} manifests corrupted");
        await cluster.StartAsync(silo);
        Log(total, $"restarted {silo.Name} (pid {silo.ProcessId})");

        // Records on the children make checkpoint cycles run; their barriers claim the parent's end too.
        await producer.ProduceAsync(300, Keys, seed: 3, truth, start: start.AddMinutes(20));
        await using (var client = await cluster.ConnectAsync())
        {
            await ExactAsync(client, truth, "after every snapshot was lost", TimeSpan.FromSeconds(120));
        }

        // The totals can be exact before the barrier that finds every partition holding the parent's end again.
        Assert.Contains(silo.Logs.SelectMany(ClusterBucket.ReadShared), l => l.Contains($"Ended shard {parent.ShardId}: a partition no longer holds its end", StringComparison.Ordinal));
        await WaitAsync("the parent's replay to complete", TimeSpan.FromSeconds(30), () => Task.FromResult(
            silo.Logs.SelectMany(ClusterBucket.ReadShared).Any(l => l.Contains($"Ended shard {parent.ShardId}: replayed from", StringComparison.Ordinal))));
        Log(total, "every key exact; the parent was asked for and replayed");
    }

    /// <summary>Waits for every key to match the truth; an over-count never heals, so it fails at once.</summary>
    private static async Task ExactAsync(ClusterConnection client, GroundTruth truth, string when, TimeSpan timeout)
    {
        var mismatches = await truth.VerifyUntilExactAsync(client.Client, timeout, CancellationToken.None);
        Assert.True(mismatches.Count == 0, $"{when}: {mismatches.Count} of {truth.Users.Count} keys differ from the truth, e.g. {string.Join("; ", mismatches.Take(5))}");
    }

    private static async Task WaitAsync(string what, TimeSpan timeout, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(500);
        }
    }

    private void Log(Stopwatch total, string message) => output.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1} s] {message}");
}
