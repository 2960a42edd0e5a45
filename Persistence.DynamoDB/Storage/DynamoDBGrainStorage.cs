using System.Diagnostics;
using Amazon.DynamoDBv2.Model;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// Orleans grain storage in one DynamoDB table, one item per grain state, for small state outside the stream path
/// (settings, alerts). Add it with <c>siloBuilder.AddDynamoDBGrainStorage(name, options => ...)</c> and use it through
/// <c>[PersistentState("state", name)] IPersistentState&lt;T&gt;</c>.
/// </summary>
/// <remarks>
/// The item layout is Orleans.Persistence.DynamoDB's (see <see cref="GrainStateItem"/>). Writes are conditional on the
/// etag the state holds, a version number every write increments; a write or clear that lost a race throws
/// <see cref="InconsistentStateException"/> and changes nothing. A new item starts at a random version, so a writer
/// holding an etag from before a delete cannot match the re-created item by accident. Any other failed DynamoDB call
/// throws <see cref="DynamoDBStorageException"/>; state too large for an item, <see cref="GrainStateTooLargeException"/>.
/// </remarks>
internal sealed partial class DynamoDBGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // New items start below 2^30, so Orleans' own provider (which parses etags as int) can read this table too.
    private const long MaxFirstVersion = 1L << 30;

    private readonly string _name;
    private readonly DynamoDBGrainStorageOptions _options;
    private readonly IActivatorProvider _activators;
    private readonly ILogger _logger;
    private readonly IAmazonDynamoDB _dynamo;
    private readonly GrainStateTable _table;
    private int _disposed;

    /// <exception cref="Orleans.Runtime.OrleansConfigurationException">The options are invalid.</exception>
    public DynamoDBGrainStorage(
        string name,
        DynamoDBGrainStorageOptions options,
        IActivatorProvider activatorProvider,
        ILogger<DynamoDBGrainStorage> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(activatorProvider);
        ArgumentNullException.ThrowIfNull(logger);
        new DynamoDBGrainStorageOptionsValidator(options, name).ValidateConfiguration();

        _name = name;
        _options = options;
        _activators = activatorProvider;
        _logger = logger;

        // Building the client sends nothing; the table is checked in InitAsync.
        _dynamo = DynamoDBClientFactory.Create(options);
        _table = new GrainStateTable(_dynamo, options, logger);
    }

    public string TableName => _options.TableName;

    /// <summary>The storage named <paramref name="name"/>, with its named options; for <c>AddGrainStorage</c>.</summary>
    public static DynamoDBGrainStorage Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<DynamoDBGrainStorage>(
            services, name, services.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name));

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(OptionFormattingUtilities.Name<DynamoDBGrainStorage>(_name), _options.InitStage, InitAsync);

    /// <summary>Gets the table ready (see <see cref="GrainStateTable"/>); the silo calls it at <see cref="DynamoDBGrainStorageOptions.InitStage"/>.</summary>
    public async Task InitAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await _table.EnsureAsync(cancellationToken);
            LogInformationReady(_logger, _name, TableName, _options.ServiceId, _options.DeleteStateOnClear, stopwatch.ElapsedMilliseconds);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogErrorInitFailed(_logger, _name, TableName, exception);
            throw;
        }
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var reference = Reference(stateName, grainId);
        StoredGrainState? read;
        try
        {
            read = await ReadAsync(reference, stateName, cancellationToken);
        }
        catch (Exception error) when (IsSdkFailure(error))
        {
            throw Failed("read", stateName, grainId, error);
        }

        if (read is not { } stored)
        {
            Reset(grainState, etag: null);
            return;
        }

        if (stored.State is null)
        {
            // Cleared without a delete: no state, but the etag still guards the next write.
            Reset(grainState, stored.Etag);
            return;
        }

        grainState.State = Deserialize<T>(stored.State, stateName, grainId);
        grainState.ETag = stored.Etag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var reference = Reference(stateName, grainId);
        var state = _options.GrainStorageSerializer.Serialize(grainState.State).ToMemory();
        var size = GrainStateItem.Size(reference, stateName, state.Length, withTtl: _options.TimeToLive is not null);
        if (size > GrainStateItem.MaxItemBytes)
        {
            throw new GrainStateTooLargeException(grainId, stateName, TableName, size, GrainStateItem.MaxItemBytes);
        }

        var expected = ExpectedVersion(grainState.ETag, stateName, grainId);
        long version;
        try
        {
            version = await PutAsync(reference, stateName, grainId, state, expected, cancellationToken);
        }
        catch (Exception error) when (IsSdkFailure(error))
        {
            throw Failed("write", stateName, grainId, error);
        }

        // Only a successful write moves the etag; after a conflict the grain still holds its state and old etag.
        grainState.ETag = GrainStateItem.FormatVersion(version);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var reference = Reference(stateName, grainId);
        var expected = ExpectedVersion(grainState.ETag, stateName, grainId);
        string? etag;
        try
        {
            etag = _options.DeleteStateOnClear
                ? await DeleteAsync(reference, stateName, grainId, expected, cancellationToken)
                : GrainStateItem.FormatVersion(await PutAsync(reference, stateName, grainId, state: null, expected, cancellationToken));
        }
        catch (Exception error) when (IsSdkFailure(error))
        {
            throw Failed("clear", stateName, grainId, error);
        }

        Reset(grainState, etag);
    }

    public void Dispose()
    {
        // The container disposes it once per registration: as grain storage and as lifecycle participant.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _dynamo.Dispose();
        }
    }

    /// <summary>The item's hash key; checks both keys against DynamoDB's limits.</summary>
    private string Reference(string stateName, GrainId grainId)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        if (GrainStateItem.Utf8(stateName) > GrainStateItem.MaxStateNameBytes)
        {
            throw new ArgumentException(
                $"The state name '{stateName}' exceeds DynamoDB's {GrainStateItem.MaxStateNameBytes}-byte sort key limit.", nameof(stateName));
        }

        var reference = GrainStateItem.Reference(_options.ServiceId, grainId.ToString());
        if (GrainStateItem.Utf8(reference) > GrainStateItem.MaxReferenceBytes)
        {
            throw new ArgumentException(
                $"The key '{reference}' of grain {grainId} exceeds DynamoDB's {GrainStateItem.MaxReferenceBytes}-byte partition key limit.", nameof(grainId));
        }

        return reference;
    }

    private async Task<StoredGrainState?> ReadAsync(string reference, string stateName, CancellationToken cancellationToken)
    {
        var response = await _dynamo.GetItemAsync(
            new GetItemRequest
            {
                TableName = TableName,
                Key = GrainStateItem.Key(reference, stateName),
                ConsistentRead = _options.UseConsistentReads,
            },
            cancellationToken);
        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        if (!item.TryGetValue(GrainStateItem.EtagAttribute, out var etag) || !GrainStateItem.TryParseVersion(etag.N, out _))
        {
            throw new InvalidDataException(
                $"The item of state '{stateName}' of {reference} in DynamoDB table '{TableName}' has no numeric {GrainStateItem.EtagAttribute}.");
        }

        if (!item.TryGetValue(GrainStateItem.StateAttribute, out var state) || state.NULL == true)
        {
            return new StoredGrainState(null, etag.N);
        }

        if (state.B is null)
        {
            throw new InvalidDataException(
                $"The item of state '{stateName}' of {reference} in DynamoDB table '{TableName}' has a {GrainStateItem.StateAttribute} that is neither binary nor NULL.");
        }

        return new StoredGrainState(state.B.ToArray(), etag.N);
    }

    /// <summary>Writes the whole item if it is still at <paramref name="expected"/> (null: absent); returns the new version.</summary>
    private async Task<long> PutAsync(
        string reference, string stateName, GrainId grainId, ReadOnlyMemory<byte>? state, long? expected, CancellationToken cancellationToken)
    {
        var version = expected + 1 ?? Random.Shared.NextInt64(1, MaxFirstVersion);
        var (condition, names, values) = Condition(expected);
        try
        {
            await _dynamo.PutItemAsync(
                new PutItemRequest
                {
                    TableName = TableName,
                    Item = GrainStateItem.Create(reference, stateName, state, version, DateTimeOffset.UtcNow + _options.TimeToLive),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException exception)
        {
            throw await ConflictAsync(reference, stateName, grainId, expected, exception, cancellationToken);
        }

        return version;
    }

    /// <summary>Deletes the item if it is still at <paramref name="expected"/>; with null, succeeds only while it is absent. Returns the etag after it: none.</summary>
    private async Task<string?> DeleteAsync(string reference, string stateName, GrainId grainId, long? expected, CancellationToken cancellationToken)
    {
        var (condition, names, values) = Condition(expected);
        try
        {
            await _dynamo.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = TableName,
                    Key = GrainStateItem.Key(reference, stateName),
                    ConditionExpression = condition,
                    ExpressionAttributeNames = names,
                    ExpressionAttributeValues = values,
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException exception)
        {
            throw await ConflictAsync(reference, stateName, grainId, expected, exception, cancellationToken);
        }

        return null;
    }

    /// <summary>The optimistic-concurrency condition: the item is absent (null) or still at the version.</summary>
    private static (string Expression, Dictionary<string, string> Names, Dictionary<string, AttributeValue>? Values) Condition(long? expected) =>
        expected is not { } version
            ? ("attribute_not_exists(#ref)", new() { ["#ref"] = GrainStateItem.ReferenceAttribute }, null)
            : ("#etag = :expected",
                new() { ["#etag"] = GrainStateItem.EtagAttribute },
                new() { [":expected"] = new AttributeValue { N = GrainStateItem.FormatVersion(version) } });

    /// <summary>The version a state's etag stands for; null when it saw no item.</summary>
    private long? ExpectedVersion(string? etag, string stateName, GrainId grainId)
    {
        if (string.IsNullOrEmpty(etag))
        {
            return null;
        }

        // Not one of ours (say, set by hand): it can match no item, so it is a conflict like any stale etag.
        return GrainStateItem.TryParseVersion(etag, out var version)
            ? version
            : throw new InconsistentStateException(
                $"State '{stateName}' of grain {grainId} holds etag '{etag}', which DynamoDB grain storage '{_name}' never wrote. Re-read the state before writing it.",
                storedEtag: null,
                currentEtag: etag);
    }

    private async Task<InconsistentStateException> ConflictAsync(
        string reference, string stateName, GrainId grainId, long? expected, ConditionalCheckFailedException exception, CancellationToken cancellationToken)
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
                (storedEtag, known) = ((await ReadAsync(reference, stateName, cancellationToken))?.Etag, true);
            }
            catch (Exception readException) when (readException is not OperationCanceledException)
            {
                LogDebugConflictLookupFailed(_logger, TableName, stateName, grainId, readException);
            }
        }

        var currentEtag = expected is { } version ? GrainStateItem.FormatVersion(version) : null;
        LogDebugConflict(_logger, TableName, stateName, grainId, currentEtag, storedEtag, exception);
        var expectedText = currentEtag is null ? "no item" : $"etag {currentEtag}";
        var storedText = !known ? "an unknown etag" : storedEtag is null ? "no item" : $"etag {storedEtag}";

        // Without the SDK exception as the inner one: Orleans could not serialize it to the grain's caller.
        return new InconsistentStateException(
            $"State '{stateName}' of grain {grainId} in DynamoDB table '{TableName}' was changed by another writer: "
            + $"expected {expectedText}, storage has {storedText}. Re-read the state before writing it again.",
            storedEtag,
            currentEtag);
    }

    // The SDK's service errors (an answer) and client errors have no common base but Exception, and a refused
    // connection comes through as the HTTP stack's own exception.
    private static bool IsSdkFailure(Exception error) =>
        error is AmazonServiceException or AmazonClientException or HttpRequestException or IOException;

    /// <summary>An SDK failure as an exception Orleans can hand a grain's caller (it serializes no Amazon exceptions); the SDK's own goes to the debug log.</summary>
    private DynamoDBStorageException Failed(string operation, string stateName, GrainId grainId, Exception error)
    {
        LogDebugCallFailed(_logger, operation, stateName, grainId, TableName, error);
        return new DynamoDBStorageException(operation, stateName, grainId, TableName, error);
    }

    private T Deserialize<T>(byte[] state, string stateName, GrainId grainId)
    {
        try
        {
            return _options.GrainStorageSerializer.Deserialize<T>(new BinaryData(state))
                ?? throw new InvalidDataException("The serializer returned null.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The serializer's exception stays in the debug log: Orleans serializes only System and Microsoft
            // exceptions to a grain's caller, and the default serializer's are Newtonsoft's.
            LogDebugDeserializeFailed(_logger, stateName, grainId, TableName, exception);
            throw new InvalidDataException(
                $"State '{stateName}' of grain {grainId} in DynamoDB table '{TableName}' ({state.Length} bytes) is not a valid {typeof(T).Name}: {exception.Message}");
        }
    }

    private void Reset<T>(IGrainState<T> grainState, string? etag)
    {
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.ETag = etag;
        grainState.RecordExists = false;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "DynamoDB grain storage {Name} ready on table {Table} (service id '{ServiceId}', delete on clear {DeleteStateOnClear}) in {ElapsedMs} ms")]
    private static partial void LogInformationReady(ILogger logger, string name, string table, string serviceId, bool deleteStateOnClear, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "DynamoDB grain storage {Name} could not get table {Table} ready")]
    private static partial void LogErrorInitFailed(ILogger logger, string name, string table, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Conflict on state {State} of grain {GrainId} in table {Table}: expected etag {Expected}, stored {Stored}")]
    private static partial void LogDebugConflict(ILogger logger, string table, string state, GrainId grainId, string? expected, string? stored, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not deserialize state {State} of grain {GrainId} in table {Table}")]
    private static partial void LogDebugDeserializeFailed(ILogger logger, string state, GrainId grainId, string table, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DynamoDB {Operation} of state {State} of grain {GrainId} in table {Table} failed")]
    private static partial void LogDebugCallFailed(ILogger logger, string operation, string state, GrainId grainId, string table, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the stored etag of state {State} of grain {GrainId} in table {Table} after a conflict")]
    private static partial void LogDebugConflictLookupFailed(ILogger logger, string table, string state, GrainId grainId, Exception exception);
}
