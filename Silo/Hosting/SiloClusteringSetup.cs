using System.Net;
using Amazon.Runtime;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.Silo.Configuration;
using Orleans.Configuration;

namespace KinesisGrains.Silo.Hosting;

/// <summary>How the silo joins its cluster: <c>Silo:Clustering</c>, its ports and address, its name and failure detection.</summary>
internal static class SiloClusteringSetup
{
    /// <summary>With DynamoDB clustering, creates or checks the membership table, so a problem is one sentence before Orleans starts.</summary>
    /// <exception cref="SiloStartupException">The table cannot be used.</exception>
    public static async Task CheckAsync(SiloConfiguration configuration, ILogger logger, CancellationToken cancellationToken)
    {
        if (configuration.Silo.Clustering != SiloClustering.DynamoDB)
        {
            return;
        }

        var table = MembershipDefaults.TableOptions(configuration.Silo.MembershipTableName, configuration.DynamoDB);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await DynamoDBMembershipTable.EnsureTableAsync(table, logger, timeout.Token);
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException
            or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            throw new SiloStartupException(
                $"DynamoDB at {table.Service} could not be used for the membership table '{table.TableName}': {exception.Message}",
                SiloStartupException.DependencyUnavailable,
                exception);
        }
    }

    public static void Configure(ISiloBuilder silo, SiloConfiguration configuration, string siloId, int siloPort, int gatewayPort)
    {
        var options = configuration.Silo;
        var serviceId = options.ServiceId ?? options.ApplicationName;
        if (options.Clustering == SiloClustering.DynamoDB)
        {
            var table = MembershipDefaults.TableOptions(options.MembershipTableName, configuration.DynamoDB);
            silo.UseDynamoDBClustering(o => MembershipDefaults.CopyTo(table, o));
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = serviceId;
            });
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = siloPort;
                o.GatewayPort = gatewayPort;
            });

            // Only a cluster of many silos has failures to detect; localhost clustering keeps Orleans' defaults, as before.
            silo.Configure<ClusterMembershipOptions>(o => MembershipDefaults.CopyTo(configuration.Membership, o));

            // A killed silo's port refuses connections at once; a paused one's does not. See RefusedConnectionDetector.
            if (options.DeclareDeadOnRefusedConnection)
            {
                silo.Services.AddSingleton<RefusedConnectionDetector>();
                silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<RefusedConnectionDetector>());
            }
        }
        else
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: options.ClusterId);
        }

        silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(options.AdvertisedAddress));

        // The lease owner's name: the shard balancer maps lease owners to membership entries by it.
        silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = siloId);
    }
}
