using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.DynamoDB;
using KinesisGrains.Streaming.Kinesis.Leasing;
using Orleans.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>The silo's failure detection (section <c>Membership</c>) and its DynamoDB membership table settings.</summary>
public static class MembershipDefaults
{
    /// <summary>
    /// Orleans' defaults with failure detection faster than Orleans' (a killed silo's grains active elsewhere after
    /// 11.9 s with those, reference/orleans-10.4.md) but not on one missed second: 1 s probes with one vote declared a
    /// silo in a GC pause or a thread-pool stall dead, and a dead silo's partitions and shards move (a hand-over
    /// without a snapshot, a replay). Now three probes in a row must fail (2 s initial timeout, which Orleans adapts
    /// between 1 and 8 s), and two silos must vote; Orleans asks at most half of the active silos, rounded up, for
    /// votes, so a cluster of two still declares its dead peer alone. Any of it is overridden under <c>Membership</c>.
    /// These stay slow on purpose: a killed silo (the common failure) is declared dead within ~0.3 s without them, by
    /// <see cref="Hosting.RefusedConnectionDetector"/> (its port refuses connections, which a paused silo's never does),
    /// so they only decide for silos that stopped answering without dying: paused ones and lost hosts.
    /// </summary>
    public static ClusterMembershipOptions Tuned() => new()
    {
        ProbeTimeout = TimeSpan.FromSeconds(2),
        NumMissedProbesLimit = 3,
        NumVotesForDeathDeclaration = 2,
        TableRefreshTimeout = TimeSpan.FromSeconds(2),
        IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5),
        DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>
    /// Sets on the options Orleans builds the settings of <paramref name="from"/> that differ from Orleans' defaults (the
    /// tuned ones and those configured), leaving the rest to Orleans and its other configurators.
    /// </summary>
    public static void CopyTo(ClusterMembershipOptions from, ClusterMembershipOptions to)
    {
        var defaults = new ClusterMembershipOptions();
        foreach (var property in typeof(ClusterMembershipOptions).GetProperties())
        {
            if (property is { CanRead: true, CanWrite: true } && property.GetIndexParameters().Length == 0 && property.SetMethod!.IsPublic
                && property.GetValue(from) is var value && !Equals(value, property.GetValue(defaults)))
            {
                property.SetValue(to, value);
            }
        }
    }

    public static IEnumerable<string> Validate(ClusterMembershipOptions options)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(options.ProbeTimeout), options.ProbeTimeout),
            (nameof(options.TableRefreshTimeout), options.TableRefreshTimeout),
            (nameof(options.IAmAliveTablePublishTimeout), options.IAmAliveTablePublishTimeout),
            (nameof(options.DeathVoteExpirationTimeout), options.DeathVoteExpirationTimeout),
            (nameof(options.MaxJoinAttemptTime), options.MaxJoinAttemptTime),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"Membership:{name} must be positive; it is {value}.";
            }
        }

        foreach (var (name, value) in new[]
        {
            (nameof(options.NumMissedProbesLimit), options.NumMissedProbesLimit),
            (nameof(options.NumVotesForDeathDeclaration), options.NumVotesForDeathDeclaration),
            (nameof(options.NumProbedSilos), options.NumProbedSilos),
            (nameof(options.NumMissedTableIAmAliveLimit), options.NumMissedTableIAmAliveLimit),
        })
        {
            if (value < 1)
            {
                yield return $"Membership:{name} must be at least 1; it is {value}.";
            }
        }
    }

    /// <summary>The membership table's options from <c>Silo:MembershipTableName</c> and the <c>DynamoDB</c> section.</summary>
    public static DynamoDBClusteringOptions TableOptions(string tableName, DynamoDBOptions dynamoDb) => new()
    {
        Service = dynamoDb.ServiceUrl?.ToString() ?? dynamoDb.Region,
        AccessKey = dynamoDb.AccessKeyId,
        SecretKey = dynamoDb.SecretAccessKey,
        Credentials = dynamoDb.Credentials,
        TableName = tableName,

        // On-demand: membership traffic is tiny and bursty (a join, a death), and nothing to size up front.
        UseProvisionedThroughput = false,
    };

    /// <summary>Fills in <paramref name="target"/> (the options Orleans builds) from <paramref name="source"/>.</summary>
    public static void CopyTo(DynamoDBClusteringOptions source, DynamoDBClusteringOptions target)
    {
        target.Service = source.Service;
        target.AccessKey = source.AccessKey;
        target.SecretKey = source.SecretKey;
        target.TableName = source.TableName;
        target.UseProvisionedThroughput = source.UseProvisionedThroughput;
    }
}
