using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Snapshot pointers in a DynamoDB table, one row per partition: <c>writer</c> (the fencing token, bumped by
/// <see cref="AcquireAsync"/>), <c>nextId</c> (the last snapshot id handed out), <c>latest</c> (the committed
/// snapshot restores start from) and <c>retained</c> (committed snapshots prune keeps). Every change but the token
/// bump is a conditional update on the caller's token, so a replaced writer, in this process or any other, is refused.
/// The table is created on first use when missing (<see cref="DynamoDBTableOptions.CreateIfNotExists"/>).
/// </summary>
public sealed class DynamoDBSnapshotFence : ISnapshotFence, IDisposable
{
    /// <summary>The table's hash key attribute: the partition's id under the fence's key prefix.</summary>
    public const string PartitionAttribute = "Partition";
    /// <summary>The table's range key attribute.</summary>
    public const string RowAttribute = "Row";
    /// <summary>The range key of a partition's pointer row.</summary>
    public const string PointerRow = "pointer";
    private const string Writer = "writer";
    private const string NextId = "nextId";
    private const string Latest = "latest";
    private const string Retained = "retained";
    private const string UpdatedAt = "updatedAt";

    private readonly IAmazonDynamoDB _dynamo;
    private readonly bool _ownsClient;
    private readonly DynamoDBSnapshotFenceOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _setup = new(1, 1);
    private volatile bool _ready;

    /// <param name="ownsClient">Whether <see cref="Dispose"/> also disposes <paramref name="dynamo"/>.</param>
    public DynamoDBSnapshotFence(IAmazonDynamoDB dynamo, DynamoDBSnapshotFenceOptions options, ILogger<DynamoDBSnapshotFence>? logger = null, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TableName);
        _dynamo = dynamo;
        _options = options;
        _ownsClient = ownsClient;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public async Task<SnapshotPointer> AcquireAsync(string partitionId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var response = await _dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = Key(partitionId),
            UpdateExpression = $"ADD {Writer} :one SET {UpdatedAt} = :now",
            ExpressionAttributeValues = new() { [":one"] = Number(1), [":now"] = Now() },
            ReturnValues = ReturnValue.ALL_NEW,
        }, cancellationToken);
        return Parse(partitionId, response.Attributes);
    }

    /// <inheritdoc/>
    public async Task<SnapshotPointer?> ReadAsync(string partitionId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var response = await _dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = _options.TableName,
            Key = Key(partitionId),
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? Parse(partitionId, item) : null;
    }

    /// <inheritdoc/>
    public async Task<long> ReserveIdAsync(string partitionId, long writerToken, long minimumId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // The counter's own increment: unique whoever asks, as long as the token holds.
                var response = await _dynamo.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(partitionId),
                    UpdateExpression = $"ADD {NextId} :one SET {UpdatedAt} = :now",
                    ConditionExpression = minimumId > 0 ? $"{Writer} = :w AND {NextId} >= :min" : $"{Writer} = :w",
                    ExpressionAttributeValues = minimumId > 0
                        ? new() { [":one"] = Number(1), [":now"] = Now(), [":w"] = Number(writerToken), [":min"] = Number(minimumId) }
                        : new() { [":one"] = Number(1), [":now"] = Now(), [":w"] = Number(writerToken) },
                    ReturnValues = ReturnValue.UPDATED_NEW,
                }, cancellationToken);
                return long.Parse(response.Attributes[NextId].N, CultureInfo.InvariantCulture);
            }
            catch (ConditionalCheckFailedException)
            {
                var current = await ReadAsync(partitionId, cancellationToken);
                if (current?.WriterToken != writerToken)
                {
                    throw Fenced(partitionId, writerToken, current, "reserve a snapshot id");
                }

                if (attempt > 3)
                {
                    throw;
                }
            }

            // The counter is below snapshots written before the pointer existed: lift it past them, once.
            try
            {
                await _dynamo.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = _options.TableName,
                    Key = Key(partitionId),
                    UpdateExpression = $"SET {NextId} = :min, {UpdatedAt} = :now",
                    ConditionExpression = $"{Writer} = :w AND (attribute_not_exists({NextId}) OR {NextId} < :min)",
                    ExpressionAttributeValues = new() { [":min"] = Number(minimumId), [":now"] = Now(), [":w"] = Number(writerToken) },
                }, cancellationToken);
            }
            catch (ConditionalCheckFailedException)
            {
                // Lifted already, or fenced: the next round tells which.
            }
        }
    }

    /// <inheritdoc/>
    public async Task<SnapshotPointer> CommitAsync(
        string partitionId, long writerToken, long expectedLatest, long snapshotId, IReadOnlyList<long> retained, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        try
        {
            var response = await _dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _options.TableName,
                Key = Key(partitionId),
                UpdateExpression = $"SET {Latest} = :id, {Retained} = :retained, {UpdatedAt} = :now",
                ConditionExpression = expectedLatest == 0
                    ? $"{Writer} = :w AND (attribute_not_exists({Latest}) OR {Latest} = :expected)"
                    : $"{Writer} = :w AND {Latest} = :expected",
                ExpressionAttributeValues = new()
                {
                    [":id"] = Number(snapshotId),
                    [":retained"] = new AttributeValue { L = [.. retained.Select(Number)] },
                    [":now"] = Now(),
                    [":w"] = Number(writerToken),
                    [":expected"] = Number(expectedLatest),
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken);
            return Parse(partitionId, response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            // A retried request whose first attempt did go through finds its own commit: that is success.
            var current = await ReadAsync(partitionId, cancellationToken);
            if (current is not null && current.WriterToken == writerToken && current.LatestSnapshotId == snapshotId)
            {
                return current;
            }

            throw Fenced(partitionId, writerToken, current, $"commit snapshot {snapshotId}", expectedLatest);
        }
    }

    /// <summary>
    /// The partitions that have a pointer row under this fence's <see cref="DynamoDBSnapshotFenceOptions.KeyPrefix"/>, by
    /// id, ascending: a scan of the table (one row per partition of every prefix), for tools that read state offline.
    /// Reads only.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListPartitionIdsAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var ids = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _dynamo.ScanAsync(new ScanRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                // Both key names are DynamoDB reserved words.
                FilterExpression = "begins_with(#p, :prefix) AND #r = :row",
                ExpressionAttributeNames = new() { ["#p"] = PartitionAttribute, ["#r"] = RowAttribute },
                ExpressionAttributeValues = new() { [":prefix"] = new AttributeValue { S = _options.KeyPrefix }, [":row"] = new AttributeValue { S = PointerRow } },
                ProjectionExpression = "#p",
                ExclusiveStartKey = start,
            }, cancellationToken);
            ids.AddRange((page.Items ?? []).Select(item => item[PartitionAttribute].S[_options.KeyPrefix.Length..]).Where(id => id.Length > 0 && !id.Contains('/', StringComparison.Ordinal)));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Disposes the DynamoDB client when the fence owns it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _dynamo.Dispose();
        }
    }

    private static SnapshotFencedException Fenced(string partitionId, long writerToken, SnapshotPointer? current, string operation, long? expectedLatest = null) =>
        new(partitionId, writerToken, current?.WriterToken, operation, current is null
            ? "the partition has no snapshot pointer."
            : current.WriterToken != writerToken
                ? $"the partition's writer is now {current.WriterToken}."
                : $"the latest snapshot is {current.LatestSnapshotId}, not {expectedLatest} as this writer last knew it.");

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _setup.WaitAsync(cancellationToken);
        try
        {
            if (!_ready)
            {
                await new DynamoDBTableSetup(_dynamo, _options, PartitionAttribute, RowAttribute, "snapshot pointer table", "snapshot fencing", _logger)
                    .EnsureAsync(cancellationToken);
                _ready = true;
            }
        }
        finally
        {
            _setup.Release();
        }
    }

    private Dictionary<string, AttributeValue> Key(string partitionId) => new()
    {
        [PartitionAttribute] = new AttributeValue { S = _options.KeyPrefix + partitionId },
        [RowAttribute] = new AttributeValue { S = PointerRow },
    };

    private static SnapshotPointer Parse(string partitionId, Dictionary<string, AttributeValue> item) => new(
        partitionId,
        Long(item, Writer),
        Long(item, Latest),
        Long(item, NextId),
        item.TryGetValue(Retained, out var retained) && retained.L is { } list
            ? [.. list.Select(v => long.Parse(v.N, CultureInfo.InvariantCulture)).Order()]
            : []);

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Now() => new() { S = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
}
