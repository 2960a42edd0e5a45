using System.Diagnostics;
using KinesisGrains.Client;
using KinesisGrains.DynamoDB;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit.Abstractions;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>State in S3 snapshots: restore on another machine, and exactly-once totals through SIGKILLs.</summary>
public sealed class SnapshotTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_silo_on_an_empty_disk_restores_the_state_from_S3()
    {
        using var first = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 3_000, keys: 200);
        var application = "app-" + stream;

        await using (var silo = await LocalCluster.StartSiloAsync(cluster.WithSnapshots(cluster.SiloSettings(application, stream, first.Path), stream)))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 3_000);
        }

        // Another machine: nothing local. The state comes from S3; the checkpoints say nothing is left to read.
        using var second = new TempDirectory();
        await using var restored = await LocalCluster.StartSiloAsync(cluster.WithSnapshots(cluster.SiloSettings(application, stream, second.Path), stream));
        await LocalCluster.WaitForCaughtUpAsync(restored, 0);

        Assert.Equal(0, restored.Source.Progress.Sum(p => p.RecordsRead));
        await using var client = await LocalCluster.ConnectAsync(restored);
        Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        Assert.NotEmpty(await SnapshotManifestsAsync(stream, application));
    }

    [Fact]
    public async Task Totals_stay_exact_when_the_silo_is_killed_at_random_moments()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var truth = await cluster.ProduceAsync(stream, records: 12_000, keys: 300);
        var settings = cluster.WithSnapshots(cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:MaxRecordsPerFetch", "250"),
            ("Kinesis:CheckpointInterval", "00:00:00.300"),
            ("Grains:PartitionCount", "4")), stream);
        var arguments = settings.Select(pair => $"--{pair.Key}={pair.Value}").Append("--Logging:LogLevel:Default=Warning").ToList();

        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, "app-" + stream);
        var random = new Random(2026);
        for (var kill = 1; kill <= 6; kill++)
        {
            using var process = StartSilo(arguments);
            if (kill == 1)
            {
                // A loaded machine may need longer than a random lifetime to start: the first life ends only after
                // some checkpoint moved, so the assertion below that progress survived the kills is never vacuous.
                await WaitForAnyCheckpointAsync(leases, process);
            }

            var lifetime = TimeSpan.FromMilliseconds(random.Next(1_500, 4_000));
            await Task.Delay(lifetime);
            if (process.HasExited)
            {
                Assert.Fail($"the silo exited by itself (code {process.ExitCode}): {await process.StandardError.ReadToEndAsync()}");
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            output.WriteLine($"kill {kill} after {lifetime.TotalMilliseconds} ms");
            if (kill == 3)
            {
                // More data arrives while the silo is down.
                truth = await cluster.ProduceAsync(stream, records: 3_000, keys: 300, seed: 77, truth);
            }
        }

        await using var silo = await LocalCluster.StartSiloAsync(settings);
        await using var client = await LocalCluster.ConnectAsync(silo);
        var mismatches = await truth.VerifyUntilExactAsync(client.Client, TimeSpan.FromSeconds(120), CancellationToken.None);

        Assert.Empty(mismatches);

        // The killed silos made progress that survived them: the last one did not have to read everything again.
        Assert.InRange(silo.Source.Progress.Sum(p => p.RecordsRead), 0, truth.Events - 1);
        Assert.True((await SnapshotManifestsAsync(stream, "app-" + stream)).Count > 1, "no snapshot was committed before the kills");
    }

    [Fact]
    public async Task Dead_letters_are_shipped_to_the_S3_prefix()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.Kinesis.PutRecordsAsync(stream, [new("not json at all"u8.ToArray(), "user-bad")]);
        var truth = await cluster.ProduceAsync(stream, records: 100, keys: 10);
        var settings = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, data.Path), stream);
        settings["DeadLetters:S3Prefix"] = "dead-letters";
        settings["DeadLetters:FlushInterval"] = "00:00:00.200";

        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 101);
            await using var client = await LocalCluster.ConnectAsync(silo);
            Assert.Empty(await truth.VerifyAsync(client.Client, CancellationToken.None));
        }

        var options = new KinesisGrains.KeyedState.Snapshots.S3SnapshotOptions { Bucket = stream, ServiceUrl = cluster.Emulators.S3, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using var s3 = KinesisGrains.KeyedState.Snapshots.S3ClientFactory.Create(options);
        var listing = await s3.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = stream, Prefix = $"dead-letters/app-{stream}/" });
        var objectKey = Assert.Single(listing.S3Objects ?? []).Key;
        using var body = await s3.GetObjectAsync(stream, objectKey);
        var text = await new StreamReader(body.ResponseStream).ReadToEndAsync();
        Assert.Contains("user-bad", text);
        Assert.Contains("not a JSON ClickEvent", text);
    }

    /// <summary>The snapshot manifests in the bucket of <paramref name="stream"/> under the application's prefix.</summary>
    private async Task<List<string>> SnapshotManifestsAsync(string stream, string application)
    {
        var options = new KinesisGrains.KeyedState.Snapshots.S3SnapshotOptions { Bucket = stream, ServiceUrl = cluster.Emulators.S3, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER" };
        using var s3 = KinesisGrains.KeyedState.Snapshots.S3ClientFactory.Create(options);
        var keys = new List<string>();
        var request = new Amazon.S3.Model.ListObjectsV2Request { BucketName = stream, Prefix = $"snapshots/{application}/" };
        Amazon.S3.Model.ListObjectsV2Response response;
        do
        {
            response = await s3.ListObjectsV2Async(request);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key).Where(k => k.Contains("/manifests/", StringComparison.Ordinal)));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        return keys;
    }

    private static async Task WaitForAnyCheckpointAsync(ShardLeaseTable leases, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                if ((await leases.ListAsync(CancellationToken.None)).Any(lease => !SentinelCheckpoint.IsSentinel(lease.Checkpoint)))
                {
                    return;
                }
            }
            catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
            {
                // The silo has not created its lease table yet.
            }

            await Task.Delay(100);
        }
    }

    private static Process StartSilo(IEnumerable<string> arguments)
    {
        var process = ProcessRunner.Start("KinesisGrains.Silo.dll", arguments);

        // Drain stdout so the silo never blocks on a full pipe; stderr is read only if it exits by itself.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }
}
