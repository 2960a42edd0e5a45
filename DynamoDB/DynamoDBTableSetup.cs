using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.DynamoDB;

/// <summary>
/// Gets a provider's table ready at start: creates it when missing (<see cref="DynamoDBTableOptions.CreateIfNotExists"/>),
/// waits for ACTIVE, checks the key schema and brings an existing table's billing in line
/// (<see cref="DynamoDBTableOptions.UpdateIfExists"/>). Safe to run from many silos and clients at once.
/// </summary>
/// <param name="kind">What the table is, for messages: "silo instance table", "grain state table".</param>
/// <param name="user">Who needs its key schema, for the mismatch error: "cluster membership", "grain storage".</param>
internal sealed partial class DynamoDBTableSetup(
    IAmazonDynamoDB dynamo, DynamoDBTableOptions options, string hashKey, string rangeKey, string kind, string user, ILogger logger)
{
    private static readonly TimeSpan ActiveTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(2);

    private string Name => options.TableName;

    /// <returns>Whether this call created the table (a provider may then skip settings a new table already has).</returns>
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        // Describe first, so a deployment whose table exists needs no CreateTable permission.
        var table = await DescribeAsync(cancellationToken);
        var created = false;
        if (table is null)
        {
            if (!options.CreateIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{Name}' does not exist and {nameof(options.CreateIfNotExists)} is off (it is the {kind}).");
            }

            created = await CreateAsync(cancellationToken);
        }

        table = await WaitForActiveAsync(cancellationToken);
        var keys = (table.KeySchema ?? []).Select(k => $"{k.AttributeName} {k.KeyType}").ToArray();
        string[] expected = [$"{hashKey} HASH", $"{rangeKey} RANGE"];
        if (!keys.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{Name}' has the key schema [{string.Join(", ", keys)}]; {user} needs [{string.Join(", ", expected)}].");
        }

        // A table this call created has the right billing already; one created by another process or by hand may not.
        if (!created && options.UpdateIfExists)
        {
            await UpdateBillingAsync(table, cancellationToken);
        }

        return created;
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
            await dynamo.CreateTableAsync(options.CreateTableRequest(hashKey, rangeKey), cancellationToken);
            LogInformationTableCreated(logger, kind, Name, Billing());
            return true;
        }
        catch (ResourceInUseException)
        {
            // Another process created it between our describe and create.
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
            LogInformationBillingUpdated(logger, kind, Name, Billing());
        }
        catch (AmazonDynamoDBException exception) when (exception is not ResourceNotFoundException)
        {
            LogWarningBillingNotUpdated(logger, kind, Name, Billing(), exception);
        }
    }

    private string Billing() =>
        options.UseProvisionedThroughput ? $"provisioned {options.ReadCapacityUnits} RCU / {options.WriteCapacityUnits} WCU" : "on demand";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB {Kind} {Table}, {Billing}")]
    private static partial void LogInformationTableCreated(ILogger logger, string kind, string table, string billing);

    [LoggerMessage(Level = LogLevel.Information, Message = "Changed the billing of DynamoDB {Kind} {Table} to {Billing}")]
    private static partial void LogInformationBillingUpdated(ILogger logger, string kind, string table, string billing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not change the billing of DynamoDB {Kind} {Table} to {Billing}; using it as it is")]
    private static partial void LogWarningBillingNotUpdated(ILogger logger, string kind, string table, string billing, Exception exception);
}
