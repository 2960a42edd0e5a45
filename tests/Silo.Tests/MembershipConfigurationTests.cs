using KinesisGrains.Silo.Configuration;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary><c>Silo:Clustering</c>, the membership table and the <c>Membership</c> section.</summary>
public sealed class MembershipConfigurationTests
{
    [Fact]
    public void By_default_the_silo_clusters_on_localhost_and_holds_failure_detection_for_DynamoDB_that_outlasts_a_pause()
    {
        var configuration = Bind();

        Assert.Empty(configuration.Validate());
        Assert.Equal(SiloClustering.Localhost, configuration.Silo.Clustering);
        Assert.Equal("OrleansSilos", configuration.Silo.MembershipTableName);
        Assert.Equal("127.0.0.1", configuration.Silo.AdvertisedAddress);
        Assert.True(configuration.Silo.DeclareDeadOnRefusedConnection);

        // Three missed probes of 2 s and two votes (one in a cluster of two): a second's pause declares nobody dead.
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.Membership.ProbeTimeout);
        Assert.Equal(3, configuration.Membership.NumMissedProbesLimit);
        Assert.Equal(2, configuration.Membership.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromSeconds(2), configuration.Membership.TableRefreshTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), configuration.Membership.IAmAliveTablePublishTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), configuration.Membership.DeathVoteExpirationTimeout);

        // Everything not tuned stays Orleans' default.
        Assert.Equal(new ClusterMembershipOptions().NumProbedSilos, configuration.Membership.NumProbedSilos);

        // Orleans adapts the probe timeout between half and four times ProbeTimeout.
        var orleans = new ClusterMembershipOptions();
        MembershipDefaults.CopyTo(configuration.Membership, orleans);
        Assert.Equal(TimeSpan.FromSeconds(1), orleans.MinProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(8), orleans.MaxProbeTimeout);
    }

    [Fact]
    public void DynamoDB_clustering_and_Membership_keys_bind()
    {
        var configuration = Bind(
            ("Silo:Clustering", "DynamoDB"),
            ("Silo:MembershipTableName", "orders-silos"),
            ("Silo:AdvertisedAddress", "10.0.0.7"),
            ("DynamoDB:ServiceUrl", "http://127.0.0.1:4567"),
            ("Snapshots:Bucket", "orders-state"),
            ("Membership:ProbeTimeout", "00:00:03"),
            ("Membership:NumVotesForDeathDeclaration", "3"),
            ("Membership:defunctSiloExpiration", "1.00:00:00"),
            ("Silo:DeclareDeadOnRefusedConnection", "false"));

        Assert.Empty(configuration.Validate());
        Assert.False(configuration.Silo.DeclareDeadOnRefusedConnection);
        Assert.Equal(SiloClustering.DynamoDB, configuration.Silo.Clustering);
        Assert.Equal("orders-silos", configuration.Silo.MembershipTableName);
        Assert.Equal("10.0.0.7", configuration.Silo.AdvertisedAddress);
        Assert.Equal(TimeSpan.FromSeconds(3), configuration.Membership.ProbeTimeout);
        Assert.Equal(3, configuration.Membership.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromDays(1), configuration.Membership.DefunctSiloExpiration);
        Assert.Equal(3, configuration.Membership.NumMissedProbesLimit);

        var table = MembershipDefaults.TableOptions(configuration.Silo.MembershipTableName, configuration.DynamoDB);
        Assert.Equal("http://127.0.0.1:4567/", table.Service);
        Assert.Equal("orders-silos", table.TableName);

        // What the silo hands Orleans.
        var orleans = new ClusterMembershipOptions();
        MembershipDefaults.CopyTo(configuration.Membership, orleans);
        Assert.Equal(TimeSpan.FromSeconds(3), orleans.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), orleans.TableRefreshTimeout);
    }

    [Fact]
    public void Wrong_values_and_unknown_keys_are_refused_by_name()
    {
        var configuration = Bind(
            ("Silo:Clustering", "Zookeeper"),
            ("Silo:AdvertisedAddress", "my-host"),
            ("Membership:ProbeTimout", "00:00:01"),
            ("Membership:NumMissedProbesLimit", "0"),
            ("Membership:TableRefreshTimeout", "soon"));

        Assert.Equal(
            [
                "Silo:Clustering: 'Zookeeper' is not a SiloClustering (one of Localhost, DynamoDB).",
                "Membership:ProbeTimout is not a known setting; did you mean Membership:ProbeTimeout?",
                "Membership:TableRefreshTimeout: 'soon' is not a TimeSpan (like 00:00:00.200).",
                "Silo:AdvertisedAddress must be an IP address, like 127.0.0.1; it is 'my-host'.",
                "Membership:NumMissedProbesLimit must be at least 1; it is 0.",
            ],
            configuration.Validate());
    }

    [Fact]
    public void DynamoDB_clustering_needs_a_valid_table_name_and_region()
    {
        var configuration = Bind(("Silo:Clustering", "dynamodb"), ("Silo:MembershipTableName", "x"), ("DynamoDB:Region", "Europe"), ("Snapshots:Bucket", "orders-state"));

        Assert.Equal(SiloClustering.DynamoDB, configuration.Silo.Clustering);
        Assert.Equal(
            [
                "Silo:MembershipTableName must be 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'; it is 'x'.",
                "DynamoDB:Region (for Silo:Clustering=DynamoDB) must be an AWS region such as 'us-east-1', or an absolute http(s) endpoint URL; it is 'Europe'.",
            ],
            configuration.Validate());

        // The same names are fine with localhost clustering, which uses no table.
        Assert.Empty(Bind(("Silo:MembershipTableName", "x")).Validate());
    }

    [Fact]
    public void DynamoDB_clustering_without_a_snapshot_bucket_is_refused_and_localhost_clustering_needs_none()
    {
        Assert.Equal(
            [
                "Silo:Clustering=DynamoDB needs Snapshots:Bucket: partitions that move between silos would open an empty or stale local RocksDB, " +
                "so set Snapshots:Bucket for the silos to share their state through S3.",
            ],
            Bind(("Silo:Clustering", "DynamoDB")).Validate());

        Assert.Empty(Bind(("Silo:Clustering", "DynamoDB"), ("Snapshots:Bucket", "orders-state")).Validate());
        Assert.Empty(Bind(("Silo:Clustering", "Localhost")).Validate());
    }

    private static SiloConfiguration Bind(params (string Key, string? Value)[] settings) =>
        SiloConfiguration.Bind(new ConfigurationBuilder()
            .AddInMemoryCollection([KeyValuePair.Create("Silo:ApplicationName", (string?)"orders-app"), KeyValuePair.Create("Kinesis:StreamName", (string?)"orders")])
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build());
}
