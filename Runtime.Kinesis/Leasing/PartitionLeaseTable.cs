using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Kinesis.Leasing;

/// <summary>
/// Partition leases in the application's lease table. The pointer to a partition's latest snapshot is written
/// conditionally on the owner and on moving forward, so a silo that lost the partition cannot overwrite it.
/// </summary>
public sealed class PartitionLeaseTable(IAmazonDynamoDB dynamo, string tableName)
{
    private const string PartitionEntity = "PARTITION";

    public string TableName { get; } = tableName;

    public static string LeaseKeyOf(int partition) => $"kgrains:partition:{partition:D5}";

    public async Task<PartitionLease?> GetAsync(int partition, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = TableName, Key = Key(partition), ConsistentRead = true },
            cancellationToken);
        return response.IsItemSet && response.Item is { Count: > 0 } item ? Parse(partition, item) : null;
    }

    /// <summary>
    /// Takes the partition for <paramref name="owner"/> if it is free or already ours, or if it still has the
    /// counter of <paramref name="abandoned"/> (seen unchanged for the failover time). Returns null when another
    /// owner holds it.
    /// </summary>
    public async Task<PartitionLease?> TryTakeAsync(int partition, string owner, PartitionLease? abandoned, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = TableName,
                    Item = new Dictionary<string, AttributeValue>
                    {
                        ["leaseKey"] = new() { S = LeaseKeyOf(partition) },
                        ["entityType"] = new() { S = PartitionEntity },
                        ["leaseCounter"] = new() { N = "0" },
                    },
                    ConditionExpression = "attribute_not_exists(leaseKey)",
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
        }

        var condition = "attribute_not_exists(leaseOwner) OR leaseOwner = :owner";
        var values = new Dictionary<string, AttributeValue> { [":owner"] = new() { S = owner }, [":one"] = new() { N = "1" } };
        if (abandoned is not null)
        {
            condition += " OR leaseCounter = :seen";
            values[":seen"] = new() { N = abandoned.LeaseCounter.ToString(CultureInfo.InvariantCulture) };
        }

        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(partition),
                    UpdateExpression = "SET leaseOwner = :owner ADD leaseCounter :one",
                    ConditionExpression = condition,
                    ExpressionAttributeValues = values,
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken);
            return Parse(partition, response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>Points the partition at <paramref name="snapshotId"/>; only its owner can, and only forward.</summary>
    /// <exception cref="LeaseLostException">Another silo owns the partition now.</exception>
    public async Task CommitSnapshotAsync(int partition, string owner, long snapshotId, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(partition),
                    UpdateExpression = "SET snapshotId = :id, snapshotAt = :at ADD leaseCounter :one",
                    ConditionExpression = "leaseOwner = :owner AND (attribute_not_exists(snapshotId) OR snapshotId < :id)",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":owner"] = new() { S = owner },
                        [":id"] = new() { N = snapshotId.ToString(CultureInfo.InvariantCulture) },
                        [":at"] = new() { S = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) },
                        [":one"] = new() { N = "1" },
                    },
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new LeaseLostException(LeaseKeyOf(partition), owner);
        }
    }

    private static Dictionary<string, AttributeValue> Key(int partition) => new() { ["leaseKey"] = new() { S = LeaseKeyOf(partition) } };

    private static PartitionLease Parse(int partition, Dictionary<string, AttributeValue> item) => new(
        partition,
        item.TryGetValue("leaseOwner", out var owner) ? owner.S : null,
        item.TryGetValue("leaseCounter", out var counter) ? long.Parse(counter.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue("snapshotId", out var snapshot) ? long.Parse(snapshot.N, CultureInfo.InvariantCulture) : null);
}
