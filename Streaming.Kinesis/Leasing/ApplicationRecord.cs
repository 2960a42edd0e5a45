using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// What an application's lease table (named after the application) records about it, read without a silo: the facts
/// pinned at its first start (ARCHITECTURE rule 7: partition count, clustering, snapshot bucket and prefix) and the
/// stream incarnation its checkpoints, local state and snapshot prefixes belong to. For tools (kgrains state export);
/// <see cref="ReadAsync"/> only reads.
/// </summary>
/// <param name="Facts">
/// Setting name to value, as the first silo recorded them (<see cref="LeaseFailoverTimeFact"/>: as the latest silo to
/// start did); empty when none are recorded.
/// </param>
/// <param name="StreamCreationTimestamp">The stream's creation time; null before a silo recorded the stream.</param>
/// <param name="Incarnation">
/// The stream incarnation: the stream's creation time in Unix ms (then "-g" and the state generation after a reset
/// cleared the state), the segment of local state and snapshot prefixes; null before a silo recorded the stream.
/// </param>
public sealed record ApplicationRecord(IReadOnlyDictionary<string, string> Facts, DateTimeOffset? StreamCreationTimestamp, string? Incarnation)
{
    /// <summary>The fact of the partition count (<c>Grains:PartitionCount</c>).</summary>
    public const string PartitionCountFact = "Grains:PartitionCount";

    /// <summary>The fact of the clustering mode (<c>Silo:Clustering</c>).</summary>
    public const string ClusteringFact = "Silo:Clustering";

    /// <summary>The fact of the snapshot bucket (<c>Snapshots:Bucket</c>); <see cref="NoBucket"/> when snapshots are off.</summary>
    public const string SnapshotBucketFact = "Snapshots:Bucket";

    /// <summary>The fact of the snapshot prefix as configured (<c>Snapshots:Prefix</c>, without '/' at either end).</summary>
    public const string SnapshotPrefixFact = "Snapshots:Prefix";

    /// <summary>
    /// The fact of the silos' lease failover time (<c>Kinesis:LeaseFailoverTime</c>, as <c>c</c>-formatted TimeSpan):
    /// not pinned, each silo records its own at start. Tools that tell running silos by their lease renewals watch a
    /// lease at least this long (silos renew every third of it); absent for applications whose silos predate it.
    /// </summary>
    public const string LeaseFailoverTimeFact = "Kinesis:LeaseFailoverTime";

    /// <summary>The value of <see cref="SnapshotBucketFact"/> without snapshots: not a valid bucket name.</summary>
    public const string NoBucket = "(none)";

    /// <summary>The pinned partition count; null when not recorded.</summary>
    public int? PartitionCount =>
        Facts.TryGetValue(PartitionCountFact, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;

    /// <summary>The lease failover time the silos last recorded (<see cref="LeaseFailoverTimeFact"/>); null when none did.</summary>
    public TimeSpan? LeaseFailoverTime =>
        Facts.TryGetValue(LeaseFailoverTimeFact, out var text) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var time) && time > TimeSpan.Zero ? time : null;

    /// <summary>Reads the record of <paramref name="applicationName"/>; null when its lease table does not exist.</summary>
    public static async Task<ApplicationRecord?> ReadAsync(IAmazonDynamoDB dynamo, string applicationName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        ArgumentException.ThrowIfNullOrWhiteSpace(applicationName);
        var table = new ShardLeaseTable(dynamo, applicationName);
        try
        {
            var facts = await table.GetApplicationFactsAsync(cancellationToken).ConfigureAwait(false);
            var stream = await table.GetStreamIdentityAsync(cancellationToken).ConfigureAwait(false);
            var incarnation = stream is null ? null : ShardLeaseTable.IncarnationOf(stream, await table.GetStateGenerationAsync(cancellationToken).ConfigureAwait(false));
            return new ApplicationRecord(facts ?? new Dictionary<string, string>(), stream?.CreationTimestamp, incarnation);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }
}
