using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// Gets the grain state table ready at start: creates it when missing (<see cref="DynamoDbGrainStorageOptions.CreateIfNotExists"/>),
/// brings billing and time to live in line (<see cref="DynamoDbGrainStorageOptions.UpdateIfExists"/>), waits for ACTIVE
/// and checks the key schema. Safe to run from many silos at once.
/// </summary>
internal sealed partial class GrainStateTable(IAmazonDynamoDB dynamo, DynamoDbGrainStorageOptions options, ILogger logger)
{
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(2);

    private string Name => options.TableName;

    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        // Describe first, so a deployment whose table exists needs no CreateTable permission.
        var table = await DescribeAsync(cancellationToken);
        var created = false;
        if (table is null)
        {
            if (!options.CreateIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{Name}' does not exist and {nameof(DynamoDbGrainStorageOptions.CreateIfNotExists)} is off.");
            }

            created = await CreateAsync(cancellationToken);
        }

        table = await WaitForActiveAsync(cancellationToken);
        CheckKeySchema(table);

        // A table this silo created has the right billing already; one created by another silo or by hand may not.
        if (!created && options.UpdateIfExists)
        {
            await UpdateBillingAsync(table, cancellationToken);
        }

        if (options.TimeToLive is not null && (created || options.UpdateIfExists))
        {
            await EnableTimeToLiveAsync(cancellationToken);
        }
    }

    private async Task<TableDescription?> DescribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await dynamo.DescribeTableAsync(Name, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <returns>Whether this call created the table (false: another process was first).</returns>
    private async Task<bool> CreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.CreateTableAsync(options.CreateTableRequest(GrainStateItem.ReferenceAttribute, GrainStateItem.StateNameAttribute), cancellationToken);
            LogInformationTableCreated(logger, Name, Billing(options.UseProvisionedThroughput, options.ReadCapacityUnits, options.WriteCapacityUnits));
            return true;
        }
        catch (ResourceInUseException)
        {
            // Another silo created it between our describe and create.
            return false;
        }
    }

    private async Task<TableDescription> WaitForActiveAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ActiveTimeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var table = await DescribeAsync(cancellationToken)
                ?? throw new InvalidOperationException($"DynamoDB table '{Name}' disappeared while waiting for it to become ACTIVE.");
            if (table.TableStatus == TableStatus.ACTIVE)
            {
                return table;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"DynamoDB table '{Name}' did not become ACTIVE within {ActiveTimeout.TotalMinutes} minutes; it is {table.TableStatus}.");
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    private void CheckKeySchema(TableDescription table)
    {
        var keys = (table.KeySchema ?? []).Select(k => $"{k.AttributeName} {k.KeyType}").ToArray();
        string[] expected = [$"{GrainStateItem.ReferenceAttribute} HASH", $"{GrainStateItem.StateNameAttribute} RANGE"];
        if (!keys.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{Name}' has the key schema [{string.Join(", ", keys)}]; grain storage needs [{string.Join(", ", expected)}].");
        }
    }

    /// <summary>
    /// Switches billing mode or capacity when they differ from the options. A refusal (AWS limits both per day) leaves
    /// the table as it is, still usable, with a warning: it must not keep silos from starting.
    /// </summary>
    private async Task UpdateBillingAsync(TableDescription table, CancellationToken cancellationToken)
    {
        var onDemand = table.BillingModeSummary?.BillingMode == BillingMode.PAY_PER_REQUEST;
        var upToDate = options.UseProvisionedThroughput
            ? !onDemand
                && table.ProvisionedThroughput?.ReadCapacityUnits == options.ReadCapacityUnits
                && table.ProvisionedThroughput?.WriteCapacityUnits == options.WriteCapacityUnits
            : onDemand;
        if (upToDate)
        {
            return;
        }

        var billing = Billing(options.UseProvisionedThroughput, options.ReadCapacityUnits, options.WriteCapacityUnits);
        try
        {
            await dynamo.UpdateTableAsync(
                new UpdateTableRequest
                {
                    TableName = Name,
                    BillingMode = options.UseProvisionedThroughput ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST,
                    ProvisionedThroughput = options.UseProvisionedThroughput
                        ? new ProvisionedThroughput(options.ReadCapacityUnits, options.WriteCapacityUnits)
                        : null,
                },
                cancellationToken);
            await WaitForActiveAsync(cancellationToken);
            LogInformationBillingUpdated(logger, Name, billing);
        }
        catch (AmazonDynamoDBException exception) when (exception is not ResourceNotFoundException)
        {
            LogWarningBillingNotUpdated(logger, Name, billing, exception);
        }
    }

    /// <summary>
    /// Turns the table's time to live on for <c>GrainTtl</c>. Like a billing change, a refusal only warns: items still
    /// carry their expiry, DynamoDB just does not delete them yet.
    /// </summary>
    private async Task EnableTimeToLiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = (await dynamo.DescribeTimeToLiveAsync(Name, cancellationToken)).TimeToLiveDescription;
            if (current?.AttributeName == GrainStateItem.TtlAttribute
                && (current.TimeToLiveStatus == TimeToLiveStatus.ENABLED || current.TimeToLiveStatus == TimeToLiveStatus.ENABLING))
            {
                return;
            }

            if (current is not null && current.TimeToLiveStatus != TimeToLiveStatus.DISABLED)
            {
                // Moving it to another attribute means disabling first, which DynamoDB allows once an hour: left to a person.
                LogWarningTimeToLiveOnOtherAttribute(logger, Name, current.AttributeName, GrainStateItem.TtlAttribute);
                return;
            }

            await dynamo.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest
                {
                    TableName = Name,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = GrainStateItem.TtlAttribute, Enabled = true },
                },
                cancellationToken);
            LogInformationTimeToLiveEnabled(logger, Name, GrainStateItem.TtlAttribute);
        }
        catch (AmazonDynamoDBException exception) when (exception is not ResourceNotFoundException)
        {
            LogWarningTimeToLiveNotEnabled(logger, Name, GrainStateItem.TtlAttribute, exception);
        }
    }

    private static string Billing(bool provisioned, int readUnits, int writeUnits) =>
        provisioned ? $"provisioned {readUnits} RCU / {writeUnits} WCU" : "on demand";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB grain state table {Table}, {Billing}")]
    private static partial void LogInformationTableCreated(ILogger logger, string table, string billing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Changed the billing of DynamoDB grain state table {Table} to {Billing}")]
    private static partial void LogInformationBillingUpdated(ILogger logger, string table, string billing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not change the billing of DynamoDB grain state table {Table} to {Billing}; using it as it is")]
    private static partial void LogWarningBillingNotUpdated(ILogger logger, string table, string billing, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Turned on time to live of DynamoDB grain state table {Table} on attribute {Attribute}")]
    private static partial void LogInformationTimeToLiveEnabled(ILogger logger, string table, string attribute);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB grain state table {Table} has time to live on attribute {Current}, not {Expected}: grain state will not expire until a person changes it")]
    private static partial void LogWarningTimeToLiveOnOtherAttribute(ILogger logger, string table, string? current, string expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not turn on time to live of DynamoDB grain state table {Table} on attribute {Attribute}: grain state will not expire")]
    private static partial void LogWarningTimeToLiveNotEnabled(ILogger logger, string table, string attribute, Exception exception);
}
