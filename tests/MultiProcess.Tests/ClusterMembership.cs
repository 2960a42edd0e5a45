using KinesisGrains.Client;

namespace KinesisGrains.MultiProcess;

/// <summary>How the test's silo processes form one Orleans cluster, and how its clients find their gateways.</summary>
internal abstract class ClusterMembership
{
    /// <summary>The membership the tests run with.</summary>
    public static ClusterMembership Current { get; } = new LocalhostPrimary();

    /// <summary>True when one silo is the cluster's primary and must never be killed.</summary>
    public abstract bool HasPrimary { get; }

    public abstract IEnumerable<KeyValuePair<string, string>> Settings(ProcessCluster cluster);

    public abstract IEnumerable<KeyValuePair<string, string>> SiloSettings(ProcessCluster cluster, SiloProcess silo);

    public abstract Task<ClusterConnection> ConnectAsync(ProcessCluster cluster);

    /// <summary>Localhost (development) clustering: every silo joins the first one, which is never killed.</summary>
    private sealed class LocalhostPrimary : ClusterMembership
    {
        public override bool HasPrimary => true;

        public override IEnumerable<KeyValuePair<string, string>> Settings(ProcessCluster cluster) => [];

        public override IEnumerable<KeyValuePair<string, string>> SiloSettings(ProcessCluster cluster, SiloProcess silo) =>
            silo == cluster.Silos[0] ? [] : [new("Silo:PrimarySiloPort", cluster.Silos[0].SiloPort.ToString())];

        // Every gateway listed: the client uses whichever are alive.
        public override Task<ClusterConnection> ConnectAsync(ProcessCluster cluster) =>
            ClusterConnection.ConnectAsync([.. cluster.Silos.Select(s => s.GatewayPort)], cluster.ClusterId);
    }
}
