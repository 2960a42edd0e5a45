using System.Diagnostics.Metrics;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>The DynamoDB membership table's meter: <c>KinesisGrains.Clustering.DynamoDB</c>.</summary>
internal static class MembershipMetrics
{
    public const string MeterName = "KinesisGrains.Clustering.DynamoDB";

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Membership writes refused (a stale table version or entry ETag): contention between silos, normal in small numbers.</summary>
    public static readonly Counter<long> WritesRefused =
        s_meter.CreateCounter<long>("kgrains.membership.writes_refused", "{write}", "Membership writes refused for a stale table version or entry ETag");

    /// <summary>Changes another silo left half done (it died or lost DynamoDB between its two writes), finished by a reader.</summary>
    public static readonly Counter<long> PendingWritesFinished =
        s_meter.CreateCounter<long>("kgrains.membership.pending_writes_finished", "{write}", "Membership changes left half done by another silo and finished by a reader");
}
