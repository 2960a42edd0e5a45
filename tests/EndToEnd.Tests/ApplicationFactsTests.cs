using KinesisGrains.DynamoDB;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Facts of an application pinned at its first start, and configurations refused because they would give a partition
/// two writers or none of its state (ARCHITECTURE rule 7).
/// </summary>
public sealed class ApplicationFactsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task A_silo_with_another_partition_count_is_refused_with_exit_code_2_and_one_with_the_pinned_count_starts()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settings = cluster.SiloSettings(application, stream, data.Path, ("Grains:PartitionCount", "8"));
        await (await LocalCluster.StartSiloAsync(settings)).DisposeAsync();

        // As the executable: the sentence on stderr, exit code 2, nothing started.
        settings["Grains:PartitionCount"] = "4";
        var (exitCode, stdout, stderr) = await ProcessRunner.RunAsync(
            "KinesisGrains.Silo.dll", settings.Select(pair => $"--{pair.Key}={pair.Value}"), TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 2, $"exit code {exitCode}: {stdout}{stderr}");
        Assert.Equal(
            $"error: Grains:PartitionCount is pinned to 8 for application '{application}' since its first start or its last 'kgrains rescale' (lease table '{application}'), " +
            "but this silo has 4: configure 8 again, or use a new Silo:ApplicationName to start a new application.",
            stderr.Trim());

        settings["Grains:PartitionCount"] = "8";
        await using var again = await LocalCluster.StartSiloAsync(settings);
    }

    [Fact]
    public async Task The_clustering_mode_and_the_snapshot_bucket_are_pinned_too()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settings = cluster.SiloSettings(application, stream, data.Path);
        await (await LocalCluster.StartSiloAsync(settings)).DisposeAsync();

        var clustered = cluster.WithSnapshots(cluster.SiloSettings(
            application, stream, data.Path, ("Silo:Clustering", "DynamoDB"), ("Silo:MembershipTableName", "silos-" + stream), ("Silo:ClusterId", "c-" + stream)));
        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(clustered));
        Assert.Equal(SiloStartupException.InvalidConfiguration, refused.ExitCode);
        Assert.StartsWith($"Silo:Clustering is pinned to 'Localhost' for application '{application}'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("but this silo has 'DynamoDB'", refused.Message, StringComparison.Ordinal);

        refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(cluster.WithSnapshots(cluster.SiloSettings(application, stream, data.Path))));
        Assert.StartsWith("Snapshots:Bucket is pinned to no bucket (snapshots off)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("but this silo has 'kgrains-tests'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDB_clustering_without_a_snapshot_bucket_is_refused_with_exit_code_2()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path, ("Silo:Clustering", "DynamoDB"), ("Silo:MembershipTableName", "silos-" + stream), ("Silo:ClusterId", "c-" + stream));

        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings));

        Assert.Equal(SiloStartupException.InvalidConfiguration, refused.ExitCode);
        Assert.Contains(
            "Silo:Clustering=DynamoDB needs Snapshots:Bucket: partitions that move between silos would open an empty or stale local RocksDB, " +
            "so set Snapshots:Bucket for the silos to share their state through S3.",
            refused.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_Localhost_silo_of_a_running_application_is_refused_and_starts_once_the_first_has_stopped()
    {
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settingsA = cluster.SiloSettings(application, stream, dataA.Path, ("Silo:SiloId", "silo-a"));
        var settingsB = cluster.SiloSettings(application, stream, dataB.Path, ("Silo:SiloId", "silo-b"));

        await using (await LocalCluster.StartSiloAsync(settingsA))
        {
            var (exitCode, stdout, stderr) = await ProcessRunner.RunAsync(
                "KinesisGrains.Silo.dll", settingsB.Select(pair => $"--{pair.Key}={pair.Value}"), TimeSpan.FromSeconds(120));

            Assert.True(exitCode == 2, $"exit code {exitCode}: {stdout}{stderr}");
            Assert.StartsWith($"error: Silo 'silo-a' runs application '{application}' with Silo:Clustering=Localhost", stderr.Trim(), StringComparison.Ordinal);
            Assert.EndsWith("stop that silo first, or use Silo:Clustering=DynamoDB (with Snapshots:Bucket) for several silos.", stderr.Trim(), StringComparison.Ordinal);
        }

        // silo-a gave its claim up when it stopped.
        await using var b = await LocalCluster.StartSiloAsync(settingsB);
    }

    [Fact]
    public async Task A_claim_left_by_a_crashed_silo_lets_that_silo_restart_at_once_and_others_start_once_it_has_lapsed()
    {
        using var dataA = new TempDirectory();
        using var dataB = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var application = "app-" + stream;
        var settingsA = cluster.SiloSettings(application, stream, dataA.Path, ("Silo:SiloId", "silo-a"));
        var settingsB = cluster.SiloSettings(application, stream, dataB.Path, ("Silo:SiloId", "silo-b"));
        using var dynamo = cluster.DynamoDBClient();
        var leases = new ShardLeaseTable(dynamo, application);
        await leases.EnsureCreatedAsync(CancellationToken.None);

        // silo-a was killed a moment ago: its claim is fresh, and nobody gave it up.
        Assert.Null(await leases.ClaimSoleSiloAsync("silo-a", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), CancellationToken.None));
        var refused = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settingsB));
        Assert.Equal(SiloStartupException.InvalidConfiguration, refused.ExitCode);
        Assert.StartsWith("Silo 'silo-a' runs application", refused.Message, StringComparison.Ordinal);

        // The same silo restarted takes its claim back at once.
        await (await LocalCluster.StartSiloAsync(settingsA)).DisposeAsync();
        Assert.Null(await leases.GetSiloClaimAsync(CancellationToken.None));

        // A silo that stopped renewing long enough ago is gone: another one takes over.
        Assert.Null(await leases.ClaimSoleSiloAsync("silo-a", DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), CancellationToken.None));
        await using var b = await LocalCluster.StartSiloAsync(settingsB);
        Assert.Equal("silo-b", (await leases.GetSiloClaimAsync(CancellationToken.None))?.SiloId);
    }
}
