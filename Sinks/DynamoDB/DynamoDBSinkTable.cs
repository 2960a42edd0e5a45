using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>
/// Gets a <see cref="DynamoDBSink"/>'s table ready: creates it when missing and allowed, waits for ACTIVE and checks
/// that its only key is the string <see cref="DynamoDBSinkOptions.KeyAttribute"/>.
/// </summary>
/// <remarks>
/// Not <c>DynamoDBTableSetup</c>: that one serves the Orleans providers' hash-and-range tables with their billing
/// options; a sink's table has one hash key, so that a reader gets an item by the key alone.
/// </remarks>
internal sealed partial class DynamoDBSinkTable(IAmazonDynamoDB dynamo, DynamoDBSinkOptions options, ILogger logger)
{
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(2);

    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var table = await DescribeAsync(cancellationToken);
        if (table is null)
        {
            if (!options.CreateTableIfMissing)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{options.Table}' of sink '{options.Name}' does not exist, and {options.Section}CreateTableIfMissing is off.");
            }

            try
            {
                await dynamo.CreateTableAsync(
                    new CreateTableRequest
                    {
                        TableName = options.Table,
                        KeySchema = [new KeySchemaElement(options.KeyAttribute, KeyType.HASH)],
                        AttributeDefinitions = [new AttributeDefinition(options.KeyAttribute, ScalarAttributeType.S)],
                        BillingMode = BillingMode.PAY_PER_REQUEST,
                    },
                    cancellationToken);
                LogTableCreated(logger, options.Table, options.Name);
            }
            catch (ResourceInUseException)
            {
                // Another silo created it between our describe and create.
            }
        }

        table = await WaitForActiveAsync(cancellationToken);
        var keys = (table.KeySchema ?? []).Select(k => $"{k.AttributeName} {k.KeyType}").ToList();
        var keyType = table.AttributeDefinitions?.FirstOrDefault(a => a.AttributeName == options.KeyAttribute)?.AttributeType;
        if (keys.Count != 1 || keys[0] != $"{options.KeyAttribute} {KeyType.HASH}" || keyType != ScalarAttributeType.S)
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{options.Table}' has the key schema [{string.Join(", ", keys)}]; sink '{options.Name}' needs one string hash key '{options.KeyAttribute}' ({options.Section}KeyAttribute) and no sort key.");
        }
    }

    private async Task<TableDescription?> DescribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await dynamo.DescribeTableAsync(options.Table, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task<TableDescription> WaitForActiveAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ActiveTimeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var table = await DescribeAsync(cancellationToken)
                ?? throw new InvalidOperationException($"DynamoDB table '{options.Table}' disappeared while waiting for it to become ACTIVE.");
            if (table.TableStatus == TableStatus.ACTIVE)
            {
                return table;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DynamoDB table '{options.Table}' did not become ACTIVE within {ActiveTimeout.TotalMinutes} minutes; it is {table.TableStatus}.");
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB table {Table} (on-demand) for sink {Sink}")]
    private static partial void LogTableCreated(ILogger logger, string table, string sink);
}
