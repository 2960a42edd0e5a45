using Amazon.DynamoDBv2;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>Gets the silo instance table ready at start (see <see cref="DynamoDBTableSetup"/>); safe from many silos and clients at once.</summary>
internal static class SiloInstanceTable
{
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public static Task EnsureAsync(IAmazonDynamoDB dynamo, DynamoDBSiloTableOptions options, ILogger logger, CancellationToken cancellationToken) =>
        new DynamoDBTableSetup(
            dynamo, options, SiloInstanceRecord.DeploymentIdAttribute, SiloInstanceRecord.SiloIdentityAttribute, "silo instance table", "cluster membership", logger)
            .EnsureAsync(cancellationToken);
}
