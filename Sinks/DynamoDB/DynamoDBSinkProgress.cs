using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>
/// The last epoch a sink committed for one (state, output, partition): an item in the sink's own table under the
/// reserved key <c>_kgrains#{state}#{output}#{partition}</c> (output <c>changelog</c> or <c>emitted</c>).
/// </summary>
/// <remarks>
/// In the same table rather than a table of its own: the progress lives and dies with the rows it vouches for (a table
/// dropped and created again starts from nothing, and no second table needs creating or permissions). Readers that
/// scan the table skip items whose key starts with <see cref="DynamoDBSink.ProgressKeyPrefix"/>.
/// </remarks>
internal sealed class DynamoDBSinkProgress(IAmazonDynamoDB dynamo, DynamoDBSinkOptions options)
{
    public static string Key(string stateName, SinkOutputKind output, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{DynamoDBSink.ProgressKeyPrefix}{stateName}#{output.ToString().ToLowerInvariant()}#{partition}");

    /// <summary>The last committed epoch of <paramref name="partition"/>, or null when none was.</summary>
    public async Task<long?> ReadAsync(int partition, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = options.Table,
                Key = KeyOf(options.StateName, options.Output, partition),
                ProjectionExpression = "#epoch",
                ExpressionAttributeNames = new() { ["#epoch"] = DynamoDBSink.EpochAttribute },
                // A marker written by the previous commit must be seen, or an epoch is written twice.
                ConsistentRead = true,
            },
            cancellationToken);
        return response.Item?.GetValueOrDefault(DynamoDBSink.EpochAttribute)?.N is { } epoch
            ? long.Parse(epoch, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>Moves the marker to the batch's epoch, only forward.</summary>
    /// <returns>False when the marker already stood at or beyond it (another writer of the partition got there first).</returns>
    public async Task<bool> AdvanceAsync(SinkEpochBatch batch, CancellationToken cancellationToken)
    {
        var item = KeyOf(batch.StateName, batch.Output, batch.Partition);
        item[DynamoDBSink.EpochAttribute] = new AttributeValue { N = batch.Epoch.ToString(CultureInfo.InvariantCulture) };
        item[DynamoDBSink.PartitionAttribute] = new AttributeValue { N = batch.Partition.ToString(CultureInfo.InvariantCulture) };
        item["kgrainsState"] = new AttributeValue { S = batch.StateName };
        item["kgrainsOutput"] = new AttributeValue { S = batch.Output.ToString() };
        item["kgrainsSink"] = new AttributeValue { S = options.Name };
        item["kgrainsCommittedAt"] = new AttributeValue { S = DynamoDBItemMapper.Timestamp(DateTimeOffset.UtcNow) };
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = options.Table,
                    Item = item,
                    ConditionExpression = "attribute_not_exists(#key) OR #epoch < :epoch",
                    ExpressionAttributeNames = new() { ["#key"] = options.KeyAttribute, ["#epoch"] = DynamoDBSink.EpochAttribute },
                    ExpressionAttributeValues = new() { [":epoch"] = item[DynamoDBSink.EpochAttribute] },
                },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private Dictionary<string, AttributeValue> KeyOf(string stateName, SinkOutputKind output, int partition) =>
        new() { [options.KeyAttribute] = new AttributeValue { S = Key(stateName, output, partition) } };
}
