using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Kinesis.Leasing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// Small grain state in one DynamoDB table, one item per grain state, for grains outside the stream path (settings,
/// alerts). Call <see cref="EnsureTableAsync"/> once at start-up, then hand grains their state with
/// <see cref="GetState{TState}"/>.
/// </summary>
/// <remarks>
/// The layout follows Orleans.Persistence.DynamoDB (see <see cref="GrainStateItem"/>), with the state as JSON. The etag
/// is a version number that every write increments. Clear deletes the item (Orleans' <c>DeleteStateOnClear</c>); a
/// new item therefore starts at a random version, so a writer holding an etag from before the clear cannot match the
/// re-created item by accident.
/// </remarks>
public sealed partial class DynamoDbGrainStorage : IDisposable
{
    private const string StateNameDefault = "state";
    private static readonly TimeSpan TableActiveTimeout = TimeSpan.FromMinutes(2);

    private readonly IAmazonDynamoDB _dynamo;
    private readonly bool _ownsClient;
    private readonly DynamoDbGrainStorageOptions _options;
    private readonly ILogger _logger;

    /// <summary>A storage with its own client, built from <see cref="DynamoDbGrainStorageOptions.Connection"/>.</summary>
    public DynamoDbGrainStorage(DynamoDbGrainStorageOptions options, ILogger<DynamoDbGrainStorage>? logger = null)
        : this(Validated(options), DynamoDbClientFactory.Create(options.Connection), ownsClient: true, logger)
    {
    }

    /// <summary>A storage on a client the caller owns (and disposes).</summary>
    public DynamoDbGrainStorage(IAmazonDynamoDB dynamo, DynamoDbGrainStorageOptions options, ILogger<DynamoDbGrainStorage>? logger = null)
        : this(Validated(options), dynamo, ownsClient: false, logger)
    {
    }

    private DynamoDbGrainStorage(DynamoDbGrainStorageOptions options, IAmazonDynamoDB dynamo, bool ownsClient, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        _options = options;
        _dynamo = dynamo;
        _ownsClient = ownsClient;
        _logger = logger ?? NullLogger.Instance;
    }

    public string TableName => _options.TableName;

    /// <summary>
    /// Makes sure the table exists and is ACTIVE, creating it (on-demand billing, hash key <c>GrainReference</c>, range
    /// key <c>GrainType</c>) when it is missing and <see cref="DynamoDbGrainStorageOptions.CreateTableIfNotExists"/> is
    /// set. Safe to call from many processes at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    public async Task EnsureTableAsync(CancellationToken cancellationToken = default)
    {
        // Describe first, so a deployment whose table exists needs no CreateTable permission.
        if (await DescribeAsync(cancellationToken) is null)
        {
            if (!_options.CreateTableIfNotExists)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{TableName}' does not exist and {nameof(DynamoDbGrainStorageOptions.CreateTableIfNotExists)} is off.");
            }

            await CreateTableAsync(cancellationToken);
        }

        var deadline = DateTime.UtcNow + TableActiveTimeout;
        while (true)
        {
            var table = await DescribeAsync(cancellationToken)
                ?? throw new InvalidOperationException($"DynamoDB table '{TableName}' disappeared while waiting for it to become ACTIVE.");
            if (table.TableStatus == TableStatus.ACTIVE)
            {
                CheckKeySchema(table);
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DynamoDB table '{TableName}' did not become ACTIVE within {TableActiveTimeout.TotalMinutes} minutes.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The state <paramref name="stateName"/> of the grain <paramref name="grainType"/>/<paramref name="grainKey"/>; not read yet.</summary>
    /// <param name="grainType">The grain's stable type name; part of the key, so different types never share a record.</param>
    /// <param name="grainKey">The grain's key.</param>
    /// <param name="stateName">Tells apart several states of one grain.</param>
    public IPersistentState<TState> GetState<TState>(string grainType, string grainKey, string stateName = StateNameDefault)
        where TState : class, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(grainType);
        ArgumentNullException.ThrowIfNull(grainKey);
        ArgumentException.ThrowIfNullOrEmpty(stateName);

        // "type/key" is unambiguous only while the type has no '/'; keys may hold anything.
        if (grainType.Contains('/'))
        {
            throw new ArgumentException($"The grain type '{grainType}' contains '/', which separates type and key.", nameof(grainType));
        }

        var id = new GrainStateId(grainType, grainKey, stateName);
        if (GrainStateItem.Utf8(id.Reference) > GrainStateItem.MaxReferenceBytes)
        {
            throw new ArgumentException(
                $"Grain type and key '{id.Reference}' exceed DynamoDB's {GrainStateItem.MaxReferenceBytes}-byte partition key limit.", nameof(grainKey));
        }

        if (GrainStateItem.Utf8(stateName) > GrainStateItem.MaxStateNameBytes)
        {
            throw new ArgumentException(
                $"The state name exceeds DynamoDB's {GrainStateItem.MaxStateNameBytes}-byte sort key limit.", nameof(stateName));
        }

        return new DynamoDbPersistentState<TState>(this, id);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _dynamo.Dispose();
        }
    }

    internal async Task<StoredGrainState?> ReadAsync(GrainStateId id, CancellationToken cancellationToken)
    {
        var response = await _dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = TableName,
                Key = GrainStateItem.Key(id.Reference, id.StateName),
                ConsistentRead = _options.UseConsistentReads,
            },
            cancellationToken);
        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        if (!item.TryGetValue(GrainStateItem.StateAttribute, out var state) || state.S is null
            || !item.TryGetValue(GrainStateItem.EtagAttribute, out var etag) || etag.N is null)
        {
            throw new InvalidDataException(
                $"The item of state {id} in table '{TableName}' has no {GrainStateItem.StateAttribute} string or no {GrainStateItem.EtagAttribute} number.");
        }

        return new StoredGrainState(state.S, etag.N);
    }

    /// <summary>Writes <paramref name="json"/> if the item is at <paramref name="expectedEtag"/> (null: absent); returns the new etag.</summary>
    internal async Task<string> WriteAsync(GrainStateId id, string json, string? expectedEtag, CancellationToken cancellationToken)
    {
        var size = GrainStateItem.Size(id.Reference, id.StateName, json);
        if (size > GrainStateItem.MaxItemBytes)
        {
            throw new GrainStateTooLargeException(id.GrainType, id.GrainKey, id.StateName, size, GrainStateItem.MaxItemBytes);
        }

        var version = expectedEtag is null ? NewItemVersion() : GrainStateItem.ParseVersion(expectedEtag) + 1;
        var (condition, names, values) = Condition(expectedEtag);
        try
        {
            await _dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = TableName,
                    Item = GrainStateItem.Create(id.Reference, id.StateName, json, version),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException exception)
        {
            throw await ConflictAsync(id, expectedEtag, exception, cancellationToken);
        }

        return GrainStateItem.FormatVersion(version);
    }

    /// <summary>Deletes the item if it is at <paramref name="expectedEtag"/>; with null, succeeds only while it is absent.</summary>
    internal async Task ClearAsync(GrainStateId id, string? expectedEtag, CancellationToken cancellationToken)
    {
        var (condition, names, values) = Condition(expectedEtag);
        try
        {
            await _dynamo.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = TableName,
                    Key = GrainStateItem.Key(id.Reference, id.StateName),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException exception)
        {
            throw await ConflictAsync(id, expectedEtag, exception, cancellationToken);
        }
    }

    /// <summary>The optimistic-concurrency condition: the item is absent (null etag) or still at the etag.</summary>
    private static (string Expression, Dictionary<string, string> Names, Dictionary<string, AttributeValue>? Values) Condition(string? expectedEtag) =>
        expectedEtag is null
            ? ("attribute_not_exists(#ref)", new() { ["#ref"] = GrainStateItem.ReferenceAttribute }, null)
            : ("#etag = :expected",
                new() { ["#etag"] = GrainStateItem.EtagAttribute },
                new() { [":expected"] = new AttributeValue { N = expectedEtag } });

    private async Task<InconsistentStateException> ConflictAsync(
        GrainStateId id, string? expectedEtag, ConditionalCheckFailedException exception, CancellationToken cancellationToken)
    {
        string? storedEtag = null;
        var known = false;
        if (exception.Item is { Count: > 0 } old && old.TryGetValue(GrainStateItem.EtagAttribute, out var etag))
        {
            (storedEtag, known) = (etag.N, true);
        }
        else
        {
            // No old item: either there is none, or the service ignores ReturnValuesOnConditionCheckFailure (dynalite
            // does). Look, for the message only; the conflict stands whatever this read finds.
            try
            {
                (storedEtag, known) = ((await ReadAsync(id, cancellationToken))?.Etag, true);
            }
            catch (Exception readException) when (readException is not OperationCanceledException)
            {
                LogDebugConflictLookupFailed(_logger, TableName, id.ToString(), readException);
            }
        }

        LogDebugConflict(_logger, TableName, id.ToString(), expectedEtag, storedEtag);
        return new InconsistentStateException(id.GrainType, id.GrainKey, id.StateName, expectedEtag, storedEtag, known, exception);
    }

    private async Task<TableDescription?> DescribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await _dynamo.DescribeTableAsync(TableName, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private async Task CreateTableAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _dynamo.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = TableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema =
                    [
                        new KeySchemaElement(GrainStateItem.ReferenceAttribute, KeyType.HASH),
                        new KeySchemaElement(GrainStateItem.StateNameAttribute, KeyType.RANGE),
                    ],
                    AttributeDefinitions =
                    [
                        new AttributeDefinition(GrainStateItem.ReferenceAttribute, ScalarAttributeType.S),
                        new AttributeDefinition(GrainStateItem.StateNameAttribute, ScalarAttributeType.S),
                    ],
                },
                cancellationToken);
            LogInformationTableCreated(_logger, TableName);
        }
        catch (ResourceInUseException)
        {
            // Another process created it between our describe and create.
        }
    }

    private void CheckKeySchema(TableDescription table)
    {
        var keys = (table.KeySchema ?? []).Select(k => $"{k.AttributeName} {k.KeyType}").ToArray();
        string[] expected = [$"{GrainStateItem.ReferenceAttribute} HASH", $"{GrainStateItem.StateNameAttribute} RANGE"];
        if (!keys.SequenceEqual(expected))
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{TableName}' has the key schema [{string.Join(", ", keys)}]; grain storage needs [{string.Join(", ", expected)}].");
        }
    }

    // Below 2^53, so JSON readers that parse numbers as doubles keep every digit.
    private static long NewItemVersion() => Random.Shared.NextInt64(1, 1L << 53);

    private static DynamoDbGrainStorageOptions Validated(DynamoDbGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB grain state table {Table}")]
    private static partial void LogInformationTableCreated(ILogger logger, string table);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Conflict on state {State} in table {Table}: expected etag {Expected}, stored {Stored}")]
    private static partial void LogDebugConflict(ILogger logger, string table, string state, string? expected, string? stored);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the stored etag of state {State} in table {Table} after a conflict")]
    private static partial void LogDebugConflictLookupFailed(ILogger logger, string table, string state, Exception exception);
}
