using Amazon.DynamoDBv2.Model;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Grains;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests.Membership;

/// <summary>Three silos that find each other only through the DynamoDB membership table, and a client that finds them there too.</summary>
public sealed class MembershipClusterTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string Table = "cluster-membership";
    private const string EndpointKey = "MembershipTests:DynamoDBEndpoint";

    // dynalite takes any; these must never reach a log.
    private const string AccessKey = "AKIAMEMBERSHIPKEY";
    private const string SecretKey = "membership-secret-do-not-log";

    [Fact]
    public async Task A_three_silo_cluster_keeps_answering_after_one_silo_is_killed()
    {
        await using var cluster = Build(3);
        await cluster.DeployAsync();
        var clusterId = cluster.Options.ClusterId;

        // Every silo joined through the table, under its silo name.
        var entries = await SiloItemsAsync(clusterId);
        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal(((int)SiloStatus.Active).ToString(), e["SiloStatus"].N));
        Assert.Equal(cluster.Silos.Select(s => s.Name).Order(), entries.Select(e => e["SiloName"].S).Order());
        var gateways = cluster.Client.ServiceProvider.GetRequiredService<IGatewayListProvider>();
        Assert.IsType<DynamoDBGatewayListProvider>(gateways);
        Assert.Equal(3, (await gateways.GetGateways()).Count);

        // The silo logs its options at start with the keys redacted.
        var silo = Assert.IsType<InProcessSiloHandle>(cluster.Silos[0]);
        var formatted = silo.SiloHost.Services.GetServices<Orleans.IOptionFormatter>().SelectMany(f => f.Format()).ToList();
        Assert.Contains($"TableName: {Table}", formatted);
        Assert.Contains("SecretKey: REDACTED", formatted);
        Assert.DoesNotContain(formatted, line => line.Contains(SecretKey, StringComparison.Ordinal) || line.Contains(AccessKey, StringComparison.Ordinal));

        var keys = Enumerable.Range(0, 60).Select(i => $"locator-{i}").ToList();
        var before = await LocateAsync(cluster, keys);
        var victim = cluster.Silos.First(s => before.Values.Contains(s.SiloAddress.ToParsableString()));

        await cluster.KillSiloAsync(victim);

        // The others see it dead in the table, and the client's gateway list drops it.
        var victimIdentity = $"{victim.SiloAddress.Endpoint.Address}-{victim.SiloAddress.Endpoint.Port}-{victim.SiloAddress.Generation}";
        await WaitUntilAsync(async () =>
            (await SiloItemsAsync(clusterId)).Single(e => e["SiloIdentity"].S == victimIdentity)["SiloStatus"].N == ((int)SiloStatus.Dead).ToString());
        await WaitUntilAsync(async () => (await gateways.GetGateways()).Count == 2);

        var after = await LocateAsync(cluster, keys);
        Assert.Equal(keys.Count, after.Count);
        Assert.DoesNotContain(victim.SiloAddress.ToParsableString(), after.Values);
        Assert.Equal(2, (await SiloItemsAsync(clusterId)).Count(e => e["SiloStatus"].N == ((int)SiloStatus.Active).ToString()));
    }

    private TestCluster Build(short silos)
    {
        // TestCluster, not InProcessTestCluster: only its options let the silos and the client use a real membership provider.
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.UseTestClusterMembership = false;
        builder.Properties[EndpointKey] = fixture.Endpoint;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        return builder.Build();
    }

    private static async Task<Dictionary<string, string>> LocateAsync(TestCluster cluster, IEnumerable<string> keys)
    {
        var located = await Task.WhenAll(keys.Select(async key => (key, silo: await cluster.Client.GetGrain<ISiloLocatorGrain>(key).GetSiloAsync())));
        return located.ToDictionary(l => l.key, l => l.silo);
    }

    private async Task<List<Dictionary<string, AttributeValue>>> SiloItemsAsync(string clusterId)
    {
        var response = await fixture.Client.QueryAsync(new QueryRequest
        {
            TableName = Table,
            KeyConditionExpression = "DeploymentId = :c",
            ExpressionAttributeValues = new() { [":c"] = new AttributeValue(clusterId) },
            ConsistentRead = true,
        });
        return response.Items.Where(i => i["SiloIdentity"].S != "VersionRow").ToList();
    }

    // Generous: the machine is shared and loaded.
    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The cluster did not get there within 60 s.");
            await Task.Delay(200);
        }
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.UseDynamoDBClustering(options =>
            {
                options.Service = silo.Configuration[EndpointKey]!;
                options.AccessKey = AccessKey;
                options.SecretKey = SecretKey;
                options.TableName = Table;
                options.UseProvisionedThroughput = false;
            });

            // The failure detection the silo executable uses by default.
            silo.Configure<ClusterMembershipOptions>(options =>
            {
                options.ProbeTimeout = TimeSpan.FromSeconds(1);
                options.NumMissedProbesLimit = 2;
                options.NumVotesForDeathDeclaration = 1;
                options.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
                options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
            });
        }
    }

    public sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client)
        {
            client.UseDynamoDBClustering(options =>
            {
                options.Service = configuration[EndpointKey]!;
                options.TableName = Table;
                options.UseProvisionedThroughput = false;
            });
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
        }
    }
}
