using System.Globalization;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Silo.Configuration;

namespace KinesisGrains.Silo.Hosting;

/// <summary>
/// Settings an application cannot change over its life (ARCHITECTURE rule 7): the partition count decides which
/// partition holds a key's state, the clustering mode whether silos share partitions, and the snapshot location where
/// state is restored from. The first silo records them in the lease table; a later silo that disagrees is refused
/// before it reads a record, instead of looking for keys in the wrong partitions or in an empty bucket.
/// </summary>
internal static class ApplicationFacts
{
    /// <summary>Stands for "no bucket": not a valid bucket name, so it cannot be mistaken for one.</summary>
    private const string NoBucket = ApplicationRecord.NoBucket;

    /// <summary>This silo's facts, by setting name, in the order a disagreement is reported.</summary>
    public static IReadOnlyDictionary<string, string> Of(SiloConfiguration configuration)
    {
        var facts = new Dictionary<string, string>
        {
            [ApplicationRecord.PartitionCountFact] = configuration.Grains.PartitionCount.ToString(CultureInfo.InvariantCulture),
            [ApplicationRecord.ClusteringFact] = configuration.Silo.Clustering.ToString(),
            [ApplicationRecord.SnapshotBucketFact] = configuration.SnapshotsEnabled ? configuration.Snapshots.Bucket : NoBucket,
        };

        // Without a bucket the prefix means nothing: changing it then is no change.
        if (configuration.SnapshotsEnabled)
        {
            facts[ApplicationRecord.SnapshotPrefixFact] = configuration.Snapshots.Prefix.Trim('/');
        }

        return facts;
    }

    /// <summary>This silo's lease failover time as <see cref="ApplicationRecord.LeaseFailoverTimeFact"/> records it.</summary>
    public static string LeaseFailoverTimeOf(SiloConfiguration configuration) =>
        configuration.Source.LeaseFailoverTime.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>
    /// Records this silo's facts at the application's first start; later, compares them with the recorded ones. Its
    /// lease failover time is recorded at every start, not pinned (see <see cref="ApplicationRecord.LeaseFailoverTimeFact"/>).
    /// </summary>
    /// <exception cref="SiloStartupException">A setting disagrees with the recorded fact (exit code 2).</exception>
    public static async Task CheckAsync(ShardLeaseTable leases, SiloConfiguration configuration, CancellationToken cancellationToken)
    {
        var own = Of(configuration);
        var failover = LeaseFailoverTimeOf(configuration);
        var (pinned, firstStart) = await leases.RecordApplicationFactsAsync(
            new Dictionary<string, string>(own) { [ApplicationRecord.LeaseFailoverTimeFact] = failover }, cancellationToken);
        if (firstStart)
        {
            // Checkpoints already in the table are where this application begins: its partitions owe nothing before them.
            await leases.AdoptCheckpointsAsync(cancellationToken);
        }

        // New partitions' snapshots without the count they were cut for (or the count without them) lose keys.
        if (await leases.GetPendingRescaleAsync(cancellationToken) is { } pending)
        {
            throw new SiloStartupException(
                $"Application '{configuration.Silo.ApplicationName}' has an unfinished rescale or state-keeping reset ({pending}): run the same 'kgrains rescale' or 'kgrains reset --keep-state' again to finish it, then start the silos.",
                SiloStartupException.InvalidConfiguration);
        }

        // A fact the table does not hold was not one when the application started: nothing to compare it with.
        foreach (var (name, value) in own)
        {
            if (pinned.TryGetValue(name, out var recorded) && recorded != value)
            {
                // The partition count changes only through kgrains rescale, which records it here (a live one with silos running).
                var since = name == ApplicationRecord.PartitionCountFact ? "since its first start or its last 'kgrains rescale'" : "since its first start";
                throw new SiloStartupException(
                    $"{name} is pinned to {Show(recorded)} for application '{configuration.Silo.ApplicationName}' {since} (lease table '{leases.TableName}'), " +
                    $"but this silo has {Show(value)}: configure {Show(recorded)} again, or use a new Silo:ApplicationName to start a new application.",
                    SiloStartupException.InvalidConfiguration);
            }
        }

        // kgrains' offline commands watch a lease this long before taking it for a stopped silo's: a shorter watch
        // misses this silo's renewals (every third of it). Written only when it changed, so most starts write nothing.
        if (pinned.GetValueOrDefault(ApplicationRecord.LeaseFailoverTimeFact) != failover)
        {
            try
            {
                await leases.SetApplicationFactAsync(ApplicationRecord.LeaseFailoverTimeFact, failover, cancellationToken);
            }
            catch (ConditionalCheckFailedException)
            {
                // The facts were deleted in between (a reset): the next start records them, this time with it.
            }
        }
    }

    private static string Show(string value) => value switch
    {
        NoBucket => "no bucket (snapshots off)",
        "" => "'' (the bucket root)",
        _ when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) => value,
        _ => $"'{value}'",
    };
}
