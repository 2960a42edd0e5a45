using System.Net;
using KinesisGrains.DynamoDb.Membership;
using KinesisGrains.Silo.Configuration;
using Orleans.Configuration;

namespace KinesisGrains.Silo.Hosting;

/// <summary>How the silo joins its cluster: <c>Silo:Clustering</c>, its ports and address, its name and failure detection.</summary>
internal static class SiloClusteringSetup
{
    public static void Configure(ISiloBuilder silo, SiloConfiguration configuration, string siloId, int siloPort, int gatewayPort)
    {
        var options = configuration.Silo;
        var serviceId = options.ServiceId ?? options.ApplicationName;
        if (options.Clustering == SiloClustering.DynamoDB)
        {
            var table = MembershipDefaults.TableOptions(options.MembershipTableName, configuration.DynamoDb);
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
        }
        else
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: serviceId, clusterId: options.ClusterId);
        }

        silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Parse(options.AdvertisedAddress));

        // The lease owner's name: the shard balancer maps lease owners to membership entries by it.
        silo.Configure<Orleans.Configuration.SiloOptions>(o => o.SiloName = siloId);
        silo.Configure<ClusterMembershipOptions>(o => MembershipDefaults.CopyTo(configuration.Membership, o));
    }
}
