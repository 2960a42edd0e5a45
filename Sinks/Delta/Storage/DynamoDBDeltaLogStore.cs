using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Commits through a DynamoDB table, as delta-io's S3DynamoDBLogStore (storage-s3-dynamodb, BaseExternalLogStore) does,
/// for S3 stores without conditional writes: a conditional PutItem of (<c>tablePath</c>, <c>N.json</c>) decides who has
/// version N; the winner then copies its temporary file to <c>N.json</c> and marks the entry complete. A writer that
/// died between the two leaves an incomplete entry, which the next writer or reader completes from the temporary file
/// before it goes on. <see cref="TablePath"/> must be byte for byte what every other writer of the table uses.
/// </summary>
internal sealed partial class DynamoDBDeltaLogStore : IDeltaLogStore
{
    public const string TablePathAttribute = "tablePath";
    public const string FileNameAttribute = "fileName";
    public const string TempPathAttribute = "tempPath";
    public const string CompleteAttribute = "complete";
    public const string ExpireTimeAttribute = "expireTime";

    // How long a complete entry stays: long enough for any writer that lost the race to see it.
    private static readonly TimeSpan s_completeEntryLifetime = TimeSpan.FromDays(1);

    private readonly DeltaTableStorage _storage;
    private readonly IAmazonDynamoDB _dynamo;
    private readonly DeltaLogTableOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _setup = new(1, 1);
    private volatile bool _ready;

    /// <param name="tablePath">The <c>tablePath</c> key; by default the storage's <c>s3://bucket/root</c> (Spark on s3a:// paths writes <c>s3a://...</c>: give that to share its entries).</param>
    public DynamoDBDeltaLogStore(DeltaTableStorage storage, IAmazonDynamoDB dynamo, DeltaLogTableOptions options, string? tablePath = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(dynamo);
        ArgumentNullException.ThrowIfNull(options);
        _storage = storage;
        _dynamo = dynamo;
        _options = options;
        TablePath = (tablePath ?? storage.Uri).TrimEnd('/');
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string TablePath { get; }

    public async Task<DeltaLogListing> ListAsync(long afterVersion, CancellationToken cancellationToken)
    {
        // A writer may have won a version and died before copying its file: finish its commit first, so no reader misses it.
        await EnsureTableAsync(cancellationToken);
        var latest = await _dynamo.QueryAsync(new QueryRequest
        {
            TableName = _options.TableName,
            KeyConditionExpression = $"{TablePathAttribute} = :p",
            ExpressionAttributeValues = new() { [":p"] = new AttributeValue { S = TablePath } },
            ScanIndexForward = false,
            Limit = 1,
            ConsistentRead = true,
        }, cancellationToken);
        if (latest.Items is [var entry] && IsIncomplete(entry))
        {
            await RepairAsync(entry, cancellationToken);
        }

        return await new S3DeltaLogStore(_storage).ListAsync(afterVersion, cancellationToken);
    }

    public Task<byte[]?> ReadCommitAsync(long version, CancellationToken cancellationToken) =>
        _storage.GetAsync(DeltaLogPaths.Commit(version), cancellationToken);

    public async Task<bool> TryWriteCommitAsync(long version, byte[] content, CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        var fileName = DeltaLogPaths.CommitFileName(version);
        if (await _storage.ExistsAsync(DeltaLogPaths.Commit(version), cancellationToken))
        {
            return false;
        }

        if (version > 0)
        {
            var previous = await GetEntryAsync(DeltaLogPaths.CommitFileName(version - 1), cancellationToken);
            if (previous is not null && IsIncomplete(previous))
            {
                await RepairAsync(previous, cancellationToken);
            }
            else if (previous is null && !await _storage.ExistsAsync(DeltaLogPaths.Commit(version - 1), cancellationToken))
            {
                throw new InvalidOperationException($"Cannot commit version {version} of {TablePath}: version {version - 1} does not exist.");
            }
        }

        var tempPath = $".tmp/{fileName}.{Guid.NewGuid()}";
        await _storage.PutAsync($"{DeltaLogPaths.LogDirectory}/{tempPath}", content, cancellationToken);
        try
        {
            await _dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _options.TableName,
                Item = new()
                {
                    [TablePathAttribute] = new AttributeValue { S = TablePath },
                    [FileNameAttribute] = new AttributeValue { S = fileName },
                    [TempPathAttribute] = new AttributeValue { S = tempPath },
                    [CompleteAttribute] = new AttributeValue { S = "false" },
                },
                ConditionExpression = $"attribute_not_exists({TablePathAttribute}) and attribute_not_exists({FileNameAttribute})",
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }

        // The entry is ours: the version is won. Copying and completing may be finished by anyone from here.
        await _storage.PutAsync(DeltaLogPaths.Commit(version), content, cancellationToken);
        await CompleteAsync(fileName, cancellationToken);
        return true;
    }

    private async Task RepairAsync(Dictionary<string, AttributeValue> entry, CancellationToken cancellationToken)
    {
        var fileName = entry[FileNameAttribute].S;
        var target = $"{DeltaLogPaths.LogDirectory}/{fileName}";
        if (!await _storage.ExistsAsync(target, cancellationToken))
        {
            var tempPath = entry.TryGetValue(TempPathAttribute, out var t) ? t.S : null;
            var content = tempPath is null ? null : await _storage.GetAsync($"{DeltaLogPaths.LogDirectory}/{tempPath}", cancellationToken);
            if (content is null)
            {
                throw new DeltaLogCorruptException($"The DynamoDB log entry {TablePath} {fileName} is incomplete and its temporary file {tempPath} is missing.");
            }

            await _storage.PutAsync(target, content, cancellationToken);
            LogRepaired(_logger, TablePath, fileName);
        }

        await CompleteAsync(fileName, cancellationToken);
    }

    private async Task CompleteAsync(string fileName, CancellationToken cancellationToken)
    {
        try
        {
            await _dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = _options.TableName,
                Key = Key(fileName),
                UpdateExpression = $"SET {CompleteAttribute} = :true, {ExpireTimeAttribute} = :expire",
                ConditionExpression = $"{CompleteAttribute} = :false",
                ExpressionAttributeValues = new()
                {
                    [":true"] = new AttributeValue { S = "true" },
                    [":false"] = new AttributeValue { S = "false" },
                    [":expire"] = new AttributeValue { N = (_time.GetUtcNow() + s_completeEntryLifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) },
                },
            }, cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Completed by another writer or reader already.
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetEntryAsync(string fileName, CancellationToken cancellationToken)
    {
        var response = await _dynamo.GetItemAsync(new GetItemRequest { TableName = _options.TableName, Key = Key(fileName), ConsistentRead = true }, cancellationToken);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private Dictionary<string, AttributeValue> Key(string fileName) => new()
    {
        [TablePathAttribute] = new AttributeValue { S = TablePath },
        [FileNameAttribute] = new AttributeValue { S = fileName },
    };

    private static bool IsIncomplete(Dictionary<string, AttributeValue> entry) =>
        entry.TryGetValue(CompleteAttribute, out var complete) && complete.S == "false";

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
                var created = await new DynamoDBTableSetup(_dynamo, _options, TablePathAttribute, FileNameAttribute, "Delta log table", "the DynamoDB Delta log store", _logger)
                    .EnsureAsync(cancellationToken);
                if (created)
                {
                    await EnableTimeToLiveAsync(cancellationToken);
                }

                _ready = true;
            }
        }
        finally
        {
            _setup.Release();
        }
    }

    private async Task EnableTimeToLiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _dynamo.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
            {
                TableName = _options.TableName,
                TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = ExpireTimeAttribute, Enabled = true },
            }, cancellationToken);
        }
        catch (AmazonDynamoDBException e)
        {
            // Entries then stay after they expire; commits are unaffected.
            LogTimeToLiveNotEnabled(_logger, _options.TableName, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Completed the Delta commit {TablePath} {FileName} a writer had won but not copied from its temporary file")]
    private static partial void LogRepaired(ILogger logger, string tablePath, string fileName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not turn on time to live of the Delta log table {Table}: its complete entries will not expire")]
    private static partial void LogTimeToLiveNotEnabled(ILogger logger, string table, Exception exception);
}
