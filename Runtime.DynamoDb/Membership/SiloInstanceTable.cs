using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.DynamoDb.Membership;

/// <summary>
/// Gets the silo instance table ready at start: creates it when missing (<see cref="DynamoDBSiloTableOptions.CreateIfNotExists"/>),
/// brings its billing in line (<see cref="DynamoDBSiloTableOptions.UpdateIfExists"/>), waits for ACTIVE and checks the key
/// schema. Safe to run from many silos and clients at once.
/// </summary>
internal static partial class SiloInstanceTable
{
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(2);

    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public static async Task EnsureAsync(IAmazonDynamoDB dynamo, DynamoDBSiloTableOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var name = options.TableName;
        var table = await DescribeAsync(dynamo, name, cancellationToken);
        var created = false;
        if (table is null)
        {
            if (!options.CreateIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{name}' (the silo instance table) does not exist and {nameof(options.CreateIfNotExists)} is off.");
            }

            created = await CreateAsync(dynamo, options, logger, cancellationToken);
        }

        table = await WaitForActiveAsync(dynamo, name, cancellationToken);
        var keys = (table.KeySchema ?? []).Select(k => $"{k.AttributeName} {k.KeyType}").ToArray();
        string[] expected = [$"{SiloInstanceRecord.DeploymentIdAttribute} HASH", $"{SiloInstanceRecord.SiloIdentityAttribute} RANGE"];
        if (!keys.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{name}' has the key schema [{string.Join(", ", keys)}]; cluster membership needs [{string.Join(", ", expected)}].");
        }

        if (!created && options.UpdateIfExists)
        {
            await UpdateBillingAsync(dynamo, table, options, logger, cancellationToken);
        }
    }

    private static async Task<TableDescription?> DescribeAsync(IAmazonDynamoDB dynamo, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await dynamo.DescribeTableAsync(name, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <returns>Whether this call created the table (false: another process was first).</returns>
    private static async Task<bool> CreateAsync(IAmazonDynamoDB dynamo, DynamoDBSiloTableOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.CreateTableAsync(options.CreateTableRequest(SiloInstanceRecord.DeploymentIdAttribute, SiloInstanceRecord.SiloIdentityAttribute), cancellationToken);
            LogInformationTableCreated(logger, options.TableName, Billing(options));
            return true;
        }
        catch (ResourceInUseException)
        {
            // Another silo created it between our describe and create.
            return false;
        }
    }

    private static async Task<TableDescription> WaitForActiveAsync(IAmazonDynamoDB dynamo, string name, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ActiveTimeout;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var table = await DescribeAsync(dynamo, name, cancellationToken)
                ?? throw new InvalidOperationException($"DynamoDB table '{name}' disappeared while waiting for it to become ACTIVE.");
            if (table.TableStatus == TableStatus.ACTIVE)
            {
                return table;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"DynamoDB table '{name}' did not become ACTIVE within {ActiveTimeout.TotalMinutes} minutes; it is {table.TableStatus}.");
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxPollDelay.Ticks));
        }
    }

    /// <summary>A refusal (AWS limits billing changes per day) leaves the table as it is, with a warning: silos must still start.</summary>
    private static async Task UpdateBillingAsync(
        IAmazonDynamoDB dynamo, TableDescription table, DynamoDBSiloTableOptions options, ILogger logger, CancellationToken cancellationToken)
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

        try
        {
            await dynamo.UpdateTableAsync(
                new UpdateTableRequest
                {
                    TableName = options.TableName,
                    BillingMode = options.UseProvisionedThroughput ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST,
                    ProvisionedThroughput = options.UseProvisionedThroughput
                        ? new ProvisionedThroughput(options.ReadCapacityUnits, options.WriteCapacityUnits)
                        : null,
                },
                cancellationToken);
            await WaitForActiveAsync(dynamo, options.TableName, cancellationToken);
            LogInformationBillingUpdated(logger, options.TableName, Billing(options));
        }
        catch (AmazonDynamoDBException exception) when (exception is not ResourceNotFoundException)
        {
            LogWarningBillingNotUpdated(logger, options.TableName, Billing(options), exception);
        }
    }

    private static string Billing(DynamoDBSiloTableOptions options) =>
        options.UseProvisionedThroughput ? $"provisioned {options.ReadCapacityUnits} RCU / {options.WriteCapacityUnits} WCU" : "on demand";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB silo instance table {Table}, {Billing}")]
    private static partial void LogInformationTableCreated(ILogger logger, string table, string billing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Changed the billing of DynamoDB silo instance table {Table} to {Billing}")]
    private static partial void LogInformationBillingUpdated(ILogger logger, string table, string billing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not change the billing of DynamoDB silo instance table {Table} to {Billing}; using it as it is")]
    private static partial void LogWarningBillingNotUpdated(ILogger logger, string table, string billing, Exception exception);
}
