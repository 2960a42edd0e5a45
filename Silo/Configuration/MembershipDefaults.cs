using KinesisGrains.DynamoDb.Membership;
using KinesisGrains.Kinesis.Leasing;
using Orleans.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>The silo's failure detection (section <c>Membership</c>) and its DynamoDB membership table settings.</summary>
public static class MembershipDefaults
{
    /// <summary>
    /// Orleans' defaults with failure detection tuned as measured (reference/orleans-10.4.md: a killed silo's grains
    /// active elsewhere after 1.6 s instead of 11.9 s with 3 silos); any of it is overridden under <c>Membership</c>.
    /// </summary>
    public static ClusterMembershipOptions Tuned() => new()
    {
        ProbeTimeout = TimeSpan.FromSeconds(1),
        NumMissedProbesLimit = 2,
        NumVotesForDeathDeclaration = 1,
        TableRefreshTimeout = TimeSpan.FromSeconds(2),
        IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5),
        DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Copies every setting of <paramref name="from"/> onto the options Orleans builds.</summary>
    public static void CopyTo(ClusterMembershipOptions from, ClusterMembershipOptions to)
    {
        foreach (var property in typeof(ClusterMembershipOptions).GetProperties())
        {
            if (property is { CanRead: true, CanWrite: true } && property.GetIndexParameters().Length == 0 && property.SetMethod!.IsPublic)
            {
                property.SetValue(to, property.GetValue(from));
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

    /// <summary>The membership table's options from <c>Silo:MembershipTableName</c> and the <c>DynamoDb</c> section.</summary>
    public static DynamoDBClusteringOptions TableOptions(string tableName, DynamoDbOptions dynamoDb) => new()
    {
        Service = dynamoDb.ServiceUrl?.ToString() ?? dynamoDb.Region,
        AccessKey = dynamoDb.AccessKeyId,
        SecretKey = dynamoDb.SecretAccessKey,
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
