using KinesisGrains.Cli;
using KinesisGrains.DynamoDB;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Testing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// A --lease-failover-time shorter than the silos' own Kinesis:LeaseFailoverTime must not let the offline commands take
/// a running silo for a stopped one: the silos record theirs at start, and the commands watch a lease at least that
/// long. Only dynalite: the silo's start-up write of its facts, and a lease owner renewing as a silo does.
/// </summary>
public sealed class LeaseFailoverTimeTests : IDisposable
{
    /// <summary>How often the fake owner renews: well within the silo's failover time, far longer than the option's.</summary>
    private static readonly TimeSpan s_renewal = TimeSpan.FromSeconds(1.5);

    private readonly EmulatorEnvironment _emulators = EmulatorEnvironment.Start("dynalite");

    [Fact]
    public async Task A_shorter_lease_failover_time_option_waits_for_the_silos_recorded_one_and_refuses_while_a_silo_renews()
    {
        var application = "app-" + Guid.NewGuid().ToString("N")[..10];
        using var dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions { ServiceUrl = _emulators.DynamoDB, AccessKeyId = "local", SecretAccessKey = "local" });
        var leases = new ShardLeaseTable(dynamo, application);
        await leases.EnsureCreatedAsync(CancellationToken.None);
        await leases.RecordStreamIdentityAsync(new StreamIdentity("clicks", "arn:aws:kinesis:us-east-1:000000000000:stream/clicks", DateTimeOffset.UtcNow), CancellationToken.None);

        // The silo's start-up write of its facts, with a failover time of 3 s (it renews every second).
        var configuration = SiloConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:ApplicationName"] = application,
            ["Kinesis:StreamName"] = "clicks",
            ["Kinesis:LeaseFailoverTime"] = "00:00:03",
            ["Grains:PartitionCount"] = "4",
            ["Snapshots:Bucket"] = "kgrains-tests",
        }).Build());
        await ApplicationFacts.CheckAsync(leases, configuration, CancellationToken.None);

        const string Shard = "shardId-000000000000";
        const string Owner = "silo-a";
        await leases.CreateIfNotExistsAsync(Shard, SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
        await leases.TakeAsync((await leases.GetAsync(Shard, CancellationToken.None))!, Owner, CancellationToken.None);
        var before = (await leases.GetAsync(Shard, CancellationToken.None))!.Checkpoint;

        // A 300 ms watch just after a renewal sees no renewal, and took the silo for stopped before the fix.
        var (exitCode, stdout, stderr) = await RunWhileRenewingAsync(
            leases, Shard, Owner, "reset", "--application", application, "--dynamodb-url", _emulators.DynamoDB.ToString(), "--to", "TRIM_HORIZON", "--clear-state", "--lease-failover-time", "300ms");
        Assert.True(exitCode == ExitCodes.RuntimeError, $"reset exited {exitCode}: {stderr}{stdout}");
        Assert.Contains($"is held by silo '{Owner}', which renews it", stderr, StringComparison.Ordinal);
        Assert.Contains($"The silos of application '{application}' recorded Kinesis:LeaseFailoverTime 3s, longer than --lease-failover-time 0.3s", stdout, StringComparison.Ordinal);

        (exitCode, stdout, stderr) = await RunWhileRenewingAsync(
            leases, Shard, Owner, "rescale", "--partitions", "2", "--application", application, "--dynamodb-endpoint", _emulators.DynamoDB.ToString(),
            "--s3-endpoint", "http://127.0.0.1:9", "--lease-failover-time", "300ms", "--json");
        Assert.True(exitCode == ExitCodes.RuntimeError, $"rescale exited {exitCode}: {stderr}{stdout}");
        Assert.Contains($"is held by '{Owner}', which renewed it within the last 3 s", stderr, StringComparison.Ordinal);
        Assert.StartsWith("The silos of application", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);

        // Neither touched the application.
        Assert.Equal(0L, await leases.GetStateGenerationAsync(CancellationToken.None));
        Assert.Equal(before, (await leases.GetAsync(Shard, CancellationToken.None))!.Checkpoint);
        Assert.Equal(4, await leases.GetPartitionCountAsync(CancellationToken.None));
        Assert.Null(await leases.GetPendingRescaleAsync(CancellationToken.None));
    }

    public void Dispose() => _emulators.Dispose();

    /// <summary>Runs kgrains in-process right after a renewal of <paramref name="shard"/>'s lease, which is renewed every <see cref="s_renewal"/> until it ends.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunWhileRenewingAsync(ShardLeaseTable leases, string shard, string owner, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        await leases.RenewAsync(shard, owner, CancellationToken.None);
        var command = KgrainsCli.RunAsync(args, stdout, stderr);
        while (await Task.WhenAny(command, Task.Delay(s_renewal)) != command)
        {
            await leases.RenewAsync(shard, owner, CancellationToken.None);
        }

        return (await command, stdout.ToString(), stderr.ToString());
    }
}
