using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// Gets the grain state table ready at start: the common setup (<see cref="DynamoDBTableSetup"/>), then time to live
/// when <see cref="DynamoDBGrainStorageOptions.TimeToLive"/> is set. Safe to run from many silos at once.
/// </summary>
internal sealed partial class GrainStateTable(IAmazonDynamoDB dynamo, DynamoDBGrainStorageOptions options, ILogger logger)
{
    private string Name => options.TableName;

    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    /// <exception cref="TimeoutException">The table did not become ACTIVE in time.</exception>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var created = await new DynamoDBTableSetup(
            dynamo, options, GrainStateItem.ReferenceAttribute, GrainStateItem.StateNameAttribute, "grain state table", "grain storage", logger)
            .EnsureAsync(cancellationToken);
        if (options.TimeToLive is not null && (created || options.UpdateIfExists))
        {
            await EnableTimeToLiveAsync(cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Turned on time to live of DynamoDB grain state table {Table} on attribute {Attribute}")]
    private static partial void LogInformationTimeToLiveEnabled(ILogger logger, string table, string attribute);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DynamoDB grain state table {Table} has time to live on attribute {Current}, not {Expected}: grain state will not expire until a person changes it")]
    private static partial void LogWarningTimeToLiveOnOtherAttribute(ILogger logger, string table, string? current, string expected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not turn on time to live of DynamoDB grain state table {Table} on attribute {Attribute}: grain state will not expire")]
    private static partial void LogWarningTimeToLiveNotEnabled(ILogger logger, string table, string attribute, Exception exception);
}
