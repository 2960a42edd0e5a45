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
/// Savepoints (<c>kgrains savepoint</c>) pin snapshots in <c>pinned</c>, which prune keeps, and a restore to a savepoint
/// moves <c>latest</c> back while no writer runs.
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

    // A string set of "{savepoint name}={snapshot id}": ADD and DELETE on a set are idempotent, and two savepoints
    // pinning one snapshot are two entries, so deleting one keeps the other's pin.
    private const string Pinned = "pinned";

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
    public async Task<IReadOnlyList<string>> ListPartitionIdsAsync(CancellationToken cancellationToken) =>
        [.. (await ListAsync(cancellationToken)).Select(p => p.PartitionId).Where(id => id.Length > 0 && !id.Contains('/', StringComparison.Ordinal))];

    /// <summary>
    /// Every pointer row under the fence's key prefix (one per partition of every state), read consistently; partition
    /// ids without the prefix.
    /// </summary>
    internal async Task<IReadOnlyList<SnapshotPointer>> ListAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var pointers = new List<SnapshotPointer>();
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var response = await _dynamo.ScanAsync(new ScanRequest
            {
                TableName = _options.TableName,
                ConsistentRead = true,
                ExclusiveStartKey = startKey,
                FilterExpression = "begins_with(#p, :prefix) AND #r = :row",
                ExpressionAttributeNames = new() { ["#p"] = PartitionAttribute, ["#r"] = RowAttribute },
                ExpressionAttributeValues = new() { [":prefix"] = new AttributeValue { S = _options.KeyPrefix }, [":row"] = new AttributeValue { S = PointerRow } },
            }, cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                var key = item[PartitionAttribute].S;
                if (key.StartsWith(_options.KeyPrefix, StringComparison.Ordinal))
                {
                    pointers.Add(Parse(key[_options.KeyPrefix.Length..], item));
                }
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return [.. pointers.OrderBy(p => p.PartitionId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Pins <paramref name="snapshotId"/> for the savepoint <paramref name="name"/>, if it is still the partition's
    /// latest or a retained snapshot: then no prune has dropped it yet, and every prune from now on reads the pin.
    /// </summary>
    /// <returns>False when the snapshot is neither (a newer commit dropped it); nothing changed.</returns>
    internal async Task<bool> PinAsync(string partitionId, string name, long snapshotId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        try
        {
            await _dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _options.TableName,
                Key = Key(partitionId),
                UpdateExpression = $"ADD {Pinned} :pin",
                ConditionExpression = $"{Latest} = :id OR contains({Retained}, :id)",
                ExpressionAttributeValues = new() { [":pin"] = new AttributeValue { SS = [PinText(name, snapshotId)] }, [":id"] = Number(snapshotId) },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>Removes the savepoint's pin of <paramref name="snapshotId"/>; a later prune may then delete the snapshot.</summary>
    internal async Task UnpinAsync(string partitionId, string name, long snapshotId, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await _dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = Key(partitionId),
            UpdateExpression = $"DELETE {Pinned} :pin",
            ConditionExpression = "attribute_exists(#p)",
            ExpressionAttributeNames = new() { ["#p"] = PartitionAttribute },
            ExpressionAttributeValues = new() { [":pin"] = new AttributeValue { SS = [PinText(name, snapshotId)] } },
        }, cancellationToken);
    }

    /// <summary>
    /// Makes <paramref name="snapshotId"/> (a pinned snapshot) the partition's latest again, with
    /// <paramref name="retained"/> as the retained list, and bumps the writer token: the next activation restores it, and
    /// any earlier writer is fenced. For a restore to a savepoint while the application is stopped.
    /// </summary>
    internal async Task ResetLatestAsync(string partitionId, long snapshotId, IReadOnlyList<long> retained, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        await _dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _options.TableName,
            Key = Key(partitionId),
            UpdateExpression = $"SET {Latest} = :id, {Retained} = :retained, {UpdatedAt} = :now ADD {Writer} :one",
            ConditionExpression = "attribute_exists(#p)",
            ExpressionAttributeNames = new() { ["#p"] = PartitionAttribute },
            ExpressionAttributeValues = new()
            {
                [":id"] = Number(snapshotId),
                [":retained"] = new AttributeValue { L = [.. retained.Select(Number)] },
                [":now"] = Now(),
                [":one"] = Number(1),
            },
        }, cancellationToken);
    }

    private static string PinText(string name, long snapshotId) => string.Create(CultureInfo.InvariantCulture, $"{name}={snapshotId}");

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
            : [])
    {
        Pins = item.TryGetValue(Pinned, out var pinned) && pinned.SS is { } pins
            ? pins.Select(pin => pin.Split('=', 2)).ToDictionary(pin => pin[0], pin => long.Parse(pin[1], CultureInfo.InvariantCulture), StringComparer.Ordinal)
            : new Dictionary<string, long>(StringComparer.Ordinal),
    };

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static AttributeValue Now() => new() { S = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
}
