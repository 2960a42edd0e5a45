using KinesisGrains.Abstractions.DeadLetters;
using KinesisGrains.DynamoDB;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Configuration;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace KinesisGrains.Tests;

/// <summary>
/// An Orleans TestingHost cluster (<see cref="InProcessTestCluster"/>) whose silos run the Kinesis stream provider and
/// the user-activity partitions on the local emulators, each silo with its own data folder, as on separate machines.
/// </summary>
public sealed class KinesisTestCluster : IAsyncDisposable
{
    private KinesisTestCluster(InProcessTestCluster cluster, SiloConfiguration configuration)
    {
        Cluster = cluster;
        Configuration = configuration;
    }

    public InProcessTestCluster Cluster { get; }

    public SiloConfiguration Configuration { get; }

    /// <summary>Checks the stream and the lease table as a silo does at start, then deploys <paramref name="silos"/> silos.</summary>
    /// <param name="perSilo">Changes the settings of one silo, by its name (Silo_0, Silo_1 ...; also its lease owner name).</param>
    public static async Task<KinesisTestCluster> DeployAsync(
        LocalCluster emulators, Dictionary<string, string?> settings, int silos, string dataRoot, Action<string, Dictionary<string, string?>>? perSilo = null)
    {
        var configuration = SiloHost.BindAndValidate(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var stream = await emulators.Kinesis.DescribeStreamSummaryAsync(configuration.Source.StreamName);
        var leases = new ShardLeaseTable(DynamoDBClientFactory.Create(configuration.DynamoDB), configuration.Silo.ApplicationName);
        await leases.EnsureCreatedAsync(CancellationToken.None);
        var incarnation = await StreamIncarnation.CheckAsync(leases, stream, configuration, CancellationToken.None);
        if (configuration.SnapshotsEnabled)
        {
            using var s3 = KeyedState.Snapshots.S3ClientFactory.Create(configuration.Snapshots);
            await s3.PutBucketAsync(configuration.Snapshots.Bucket);
            configuration.Snapshots.Prefix = $"{configuration.Snapshots.Prefix}/{configuration.Silo.ApplicationName}/{incarnation}";
        }

        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((options, silo) =>
        {
            // Each silo binds its own copy: options objects are not shared between silos.
            var siloSettings = new Dictionary<string, string?>(settings);
            perSilo?.Invoke(options.SiloName, siloSettings);
            var own = SiloHost.BindAndValidate(new ConfigurationBuilder().AddInMemoryCollection(siloSettings).Build());
            own.Snapshots.Prefix = configuration.Snapshots.Prefix;
            var data = Path.Combine(dataRoot, options.SiloName);
            silo.Services.AddSingleton<IDeadLetterQueue>(new LocalDeadLetterQueue(Path.Combine(data, "dead-letters")));
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // A dead silo is declared within seconds (reference/orleans-10.4.md: 1.0–2.0 s with these).
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
            });
            SiloHost.Configure(
                silo,
                own,
                new SiloBuilder().ConsumeStream<ClickEvent, UserActivityPartitionGrain>(IUserActivityPartition.StreamNamespace),
                siloId: options.SiloName,
                dataDirectory: data,
                incarnation);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new KinesisTestCluster(cluster, configuration);
    }

    /// <summary>The Kinesis source of a silo: its shards and their progress.</summary>
    internal KinesisStreamContext SourceOf(InProcessSiloHandle silo) =>
        Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredKeyedService<KinesisStreamContext>(SiloHost.StreamProviderName);

    /// <summary>The silo whose lease owner name (Orleans SiloName) is <paramref name="name"/>.</summary>
    public InProcessSiloHandle SiloNamed(string name) => Cluster.Silos.Single(s => s.Name == name);

    /// <summary>Records read by every live silo.</summary>
    public long RecordsRead => Cluster.Silos.Sum(silo => SourceOf(silo).Progress.Sum(p => p.RecordsRead));

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
