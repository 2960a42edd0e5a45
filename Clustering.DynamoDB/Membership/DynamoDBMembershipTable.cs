using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// Orleans cluster membership in a DynamoDB table with the layout of Orleans.Clustering.DynamoDB: one partition per
/// cluster id, one item per silo, and a <c>VersionRow</c> item whose version and ETag every membership change advances.
/// </summary>
/// <remarks>
/// Upstream writes a silo's item and the version row in one TransactWriteItems. This table needs single-item conditional
/// writes only (dynalite, our test emulator, has no transactions): a change first wins the version row with a condition
/// on its ETag, recording itself there as a <see cref="PendingWrite"/>; then it is put on the silo's item with a
/// condition on that item's ETag, and the record is removed. Until it is removed no other change can win the version,
/// and every read finishes it first, so readers and writers see the changes in version order, each exactly once, even
/// when the silo that won the version dies half-way.
/// </remarks>
internal sealed partial class DynamoDBMembershipTable : IMembershipTable, IDisposable
{
    // A read that keeps meeting newer changes gives up after this many tries; Orleans retries on its next refresh.
    private const int MaxReadAttempts = 20;

    private static readonly TimeSpan PendingGrace = TimeSpan.FromMilliseconds(50);

    private readonly DynamoDBClusteringOptions _options;
    private readonly string _clusterId;
    private readonly ILogger<DynamoDBMembershipTable> _logger;
    private IAmazonDynamoDB? _dynamo;

    public DynamoDBMembershipTable(
        IOptions<DynamoDBClusteringOptions> options, IOptions<ClusterOptions> clusterOptions, ILogger<DynamoDBMembershipTable> logger)
    {
        _options = options.Value;
        _clusterId = clusterOptions.Value.ClusterId;
        _logger = logger;
    }

    private IAmazonDynamoDB Dynamo => _dynamo ?? throw new InvalidOperationException("The membership table is used before InitializeMembershipTable.");

    private string Table => _options.TableName;

    /// <summary>
    /// Creates or checks the table as a silo's start would, for a host that wants a clear error before Orleans starts.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table is missing and may not be created, or has another key schema.</exception>
    public static async Task EnsureTableAsync(DynamoDBClusteringOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var dynamo = DynamoDBClientFactory.Create(options);
        await SiloInstanceTable.EnsureAsync(dynamo, options, logger, cancellationToken);
    }

    /// <inheritdoc />
    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        _dynamo ??= DynamoDBClientFactory.Create(_options);
        await SiloInstanceTable.EnsureAsync(Dynamo, _options, _logger, CancellationToken.None);
        if (tryInitTableVersion && await TryCreateVersionRowAsync())
        {
            LogInformationVersionRowCreated(_logger, Table, _clusterId);
        }

        LogInformationReady(_logger, Table, _clusterId);
    }

    /// <inheritdoc />
    public async Task DeleteMembershipTableEntries(string clusterId)
    {
        foreach (var item in await QueryAsync(clusterId))
        {
            await Dynamo.DeleteItemAsync(Table, SiloInstanceRecord.Key(clusterId, item[SiloInstanceRecord.SiloIdentityAttribute].S));
        }
    }

    /// <summary>Deletes the items of silos that are not active and said nothing since <paramref name="beforeDate"/>.</summary>
    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        var deleted = 0;
        foreach (var item in await QueryAsync(_clusterId))
        {
            if (!SiloInstanceRecord.IsSilo(item)
                || SiloInstanceRecord.Status(item) == SiloStatus.Active
                || SiloInstanceRecord.IAmAliveTime(item) is not { } alive
                || alive >= beforeDate.UtcDateTime)
            {
                continue;
            }

            try
            {
                // Only the item as read: one that changed meanwhile is not defunct.
                await Dynamo.DeleteItemAsync(new DeleteItemRequest
                {
                    TableName = Table,
                    Key = SiloInstanceRecord.Key(_clusterId, item[SiloInstanceRecord.SiloIdentityAttribute].S),
                    ConditionExpression = "ETag = :etag",
                    ExpressionAttributeValues = new() { [":etag"] = SiloInstanceRecord.Number(SiloInstanceRecord.ETag(item)) },
                });
                deleted++;
            }
            catch (ConditionalCheckFailedException)
            {
            }
        }

        if (deleted > 0)
        {
            LogInformationDefunctDeleted(_logger, deleted, Table, _clusterId, beforeDate);
        }
    }

    /// <inheritdoc />
    public async Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        var identity = SiloInstanceRecord.SiloIdentity(key);
        for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            var version = await ReadVersionAsync();
            var item = await GetAsync(identity);
            if (item is not null && SiloInstanceRecord.MembershipVersion(item) > version.Version)
            {
                await Task.Delay(attempt * 10);
                continue;
            }

            return item is null
                ? new MembershipTableData(version.TableVersion)
                : new MembershipTableData(Tuple.Create(SiloInstanceRecord.Parse(item), ETagText(item)), version.TableVersion);
        }

        throw new OrleansException($"Membership table '{Table}' kept changing while reading silo {key}; {MaxReadAttempts} tries.");
    }

    /// <inheritdoc />
    public async Task<MembershipTableData> ReadAll()
    {
        for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            var version = await ReadVersionAsync();
            var items = await QueryAsync(_clusterId);

            // An item newer than the version read was changed after it: read again for a consistent view.
            var silos = items.Where(SiloInstanceRecord.IsSilo).ToList();
            if (silos.Any(item => SiloInstanceRecord.MembershipVersion(item) > version.Version))
            {
                await Task.Delay(attempt * 10);
                continue;
            }

            var entries = new List<Tuple<MembershipEntry, string>>(silos.Count);
            foreach (var item in silos)
            {
                try
                {
                    entries.Add(Tuple.Create(SiloInstanceRecord.Parse(item), ETagText(item)));
                }
                catch (Exception exception) when (exception is FormatException or ArgumentException)
                {
                    LogWarningUnreadableEntry(_logger, item[SiloInstanceRecord.SiloIdentityAttribute].S, Table, exception);
                }
            }

            return new MembershipTableData(entries, version.TableVersion);
        }

        throw new OrleansException($"Membership table '{Table}' kept changing while reading cluster '{_clusterId}'; {MaxReadAttempts} tries.");
    }

    /// <inheritdoc />
    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) => WriteAsync(entry, expectedETag: null, tableVersion);

    /// <inheritdoc />
    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        if (!int.TryParse(etag, NumberStyles.Integer, CultureInfo.InvariantCulture, out var expected))
        {
            LogWarningInvalidETag(_logger, entry.SiloAddress, etag);
            return Task.FromResult(false);
        }

        return WriteAsync(entry, expected, tableVersion);
    }

    /// <summary>Sets only <c>IAmAliveTime</c>: no new version, no new ETag, as upstream.</summary>
    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        await Dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = Table,
            Key = SiloInstanceRecord.Key(_clusterId, SiloInstanceRecord.SiloIdentity(entry.SiloAddress)),
            UpdateExpression = "SET IAmAliveTime = :alive",
            ConditionExpression = "attribute_exists(SiloIdentity)",
            ExpressionAttributeValues = new() { [":alive"] = new AttributeValue(LogFormatter.PrintDate(entry.IAmAliveTime)) },
        });
    }

    public void Dispose() => _dynamo?.Dispose();

    /// <summary>Wins the version, then writes the item; false when another change won the version or the item moved on.</summary>
    private async Task<bool> WriteAsync(MembershipEntry entry, int? expectedETag, TableVersion tableVersion)
    {
        if (!int.TryParse(tableVersion.VersionEtag, NumberStyles.Integer, CultureInfo.InvariantCulture, out var versionETag))
        {
            LogWarningInvalidETag(_logger, entry.SiloAddress, tableVersion.VersionEtag);
            return false;
        }

        var write = new PendingWrite(
            SiloInstanceRecord.SiloIdentity(entry.SiloAddress),
            expectedETag,
            SiloInstanceRecord.Fields(entry, tableVersion.Version, expectedETag + 1 ?? 0));
        var values = new Dictionary<string, AttributeValue>
        {
            [":etag"] = SiloInstanceRecord.Number(versionETag),
            [":next"] = SiloInstanceRecord.Number(versionETag + 1),
            [":version"] = SiloInstanceRecord.Number(tableVersion.Version),
            [":silo"] = new AttributeValue(write.SiloIdentity),
            [":row"] = new AttributeValue { M = write.Fields },
        };
        var update = $"SET MembershipVersion = :version, ETag = :next, {PendingWrite.SiloIdentityAttribute} = :silo, {PendingWrite.FieldsAttribute} = :row";
        if (expectedETag is { } expected)
        {
            values[":expected"] = SiloInstanceRecord.Number(expected);
            update += $", {PendingWrite.ExpectedETagAttribute} = :expected";
        }
        else
        {
            update += $" REMOVE {PendingWrite.ExpectedETagAttribute}";
        }

        try
        {
            await Dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = SiloInstanceRecord.Key(_clusterId, VersionRow.SiloIdentity),
                UpdateExpression = update,
                ConditionExpression = $"ETag = :etag AND attribute_not_exists({PendingWrite.SiloIdentityAttribute})",
                ExpressionAttributeValues = values,
            });
        }
        catch (ConditionalCheckFailedException)
        {
            MembershipMetrics.WritesRefused.Add(1);
            LogDebugVersionLost(_logger, entry.SiloAddress, tableVersion);
            return false;
        }

        var applied = await FinishAsync(write, versionETag + 1);
        if (!applied)
        {
            MembershipMetrics.WritesRefused.Add(1);
            LogDebugEntryMovedOn(_logger, entry.SiloAddress, expectedETag);
        }

        return applied;
    }

    /// <summary>
    /// Puts a pending write on its item (unless it is there already) and removes it from the version row whose ETag is
    /// <paramref name="versionETag"/>. Any number of silos may do this at once. Returns whether the item holds the write.
    /// </summary>
    private async Task<bool> FinishAsync(PendingWrite write, int versionETag)
    {
        var item = new Dictionary<string, AttributeValue>(write.Fields);
        foreach (var (name, value) in SiloInstanceRecord.Key(_clusterId, write.SiloIdentity))
        {
            item[name] = value;
        }

        bool applied;
        try
        {
            await Dynamo.PutItemAsync(write.ExpectedETag is { } expected
                ? new PutItemRequest
                {
                    TableName = Table,
                    Item = item,
                    ConditionExpression = "ETag = :expected",
                    ExpressionAttributeValues = new() { [":expected"] = SiloInstanceRecord.Number(expected) },
                }
                : new PutItemRequest { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(SiloIdentity)" });
            applied = true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Finished by another reader already, or the item was not as the change expected (deleted, or a duplicate insert).
            var current = await GetAsync(write.SiloIdentity);
            applied = current is not null
                && SiloInstanceRecord.ETag(current) == write.ResultETag
                && SiloInstanceRecord.MembershipVersion(current) == SiloInstanceRecord.MembershipVersion(write.Fields);
        }

        try
        {
            await Dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = Table,
                Key = SiloInstanceRecord.Key(_clusterId, VersionRow.SiloIdentity),
                UpdateExpression = $"REMOVE {PendingWrite.SiloIdentityAttribute}, {PendingWrite.ExpectedETagAttribute}, {PendingWrite.FieldsAttribute}",
                ConditionExpression = $"ETag = :etag AND attribute_exists({PendingWrite.SiloIdentityAttribute})",
                ExpressionAttributeValues = new() { [":etag"] = SiloInstanceRecord.Number(versionETag) },
            });
        }
        catch (ConditionalCheckFailedException)
        {
            // Removed by another reader.
        }

        return applied;
    }

    /// <summary>The version row, with any pending write finished first.</summary>
    /// <exception cref="KeyNotFoundException">The cluster has no version row (the table was not initialized for it).</exception>
    private async Task<VersionRow> ReadVersionAsync()
    {
        for (var attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            var item = await GetAsync(VersionRow.SiloIdentity)
                ?? throw new KeyNotFoundException($"Membership table '{Table}' has no version row for cluster '{_clusterId}'.");
            var row = VersionRow.From(item);
            if (row.Pending is null)
            {
                return row;
            }

            // Usually the writer is between its two writes and about to finish itself: give it a moment first.
            if (attempt == 0)
            {
                await Task.Delay(PendingGrace);
                continue;
            }

            LogInformationFinishingPendingWrite(_logger, row.Pending.SiloIdentity, row.Version);
            await FinishAsync(row.Pending, row.ETag);
            MembershipMetrics.PendingWritesFinished.Add(1);
        }

        throw new OrleansException($"Membership table '{Table}' kept changing while reading the version of cluster '{_clusterId}'; {MaxReadAttempts} tries.");
    }

    private async Task<bool> TryCreateVersionRowAsync()
    {
        var item = SiloInstanceRecord.Key(_clusterId, VersionRow.SiloIdentity);
        item[SiloInstanceRecord.MembershipVersionAttribute] = SiloInstanceRecord.Number(0);
        item[SiloInstanceRecord.ETagAttribute] = SiloInstanceRecord.Number(0);
        try
        {
            await Dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item, ConditionExpression = "attribute_not_exists(SiloIdentity)" });
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string siloIdentity)
    {
        var response = await Dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = SiloInstanceRecord.Key(_clusterId, siloIdentity),
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>Every item of a cluster's partition, version row included.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(string clusterId)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await Dynamo.QueryAsync(new QueryRequest
            {
                TableName = Table,
                KeyConditionExpression = "DeploymentId = :cluster",
                ExpressionAttributeValues = new() { [":cluster"] = new AttributeValue(clusterId) },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            });
            items.AddRange(response.Items ?? []);
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return items;
    }

    private static string ETagText(Dictionary<string, AttributeValue> item) =>
        SiloInstanceRecord.ETag(item).ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the version row of cluster {ClusterId} in DynamoDB membership table {Table}")]
    private static partial void LogInformationVersionRowCreated(ILogger logger, string table, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "DynamoDB membership table {Table} ready for cluster {ClusterId}")]
    private static partial void LogInformationReady(ILogger logger, string table, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} defunct silo entries from DynamoDB membership table {Table}, cluster {ClusterId}, silent since before {Before}")]
    private static partial void LogInformationDefunctDeleted(ILogger logger, int count, string table, string clusterId, DateTimeOffset before);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo entry {SiloIdentity} in DynamoDB membership table {Table} cannot be read; left out")]
    private static partial void LogWarningUnreadableEntry(ILogger logger, string siloIdentity, string table, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Membership write for {Silo} refused: '{ETag}' is not an ETag of this table")]
    private static partial void LogWarningInvalidETag(ILogger logger, SiloAddress silo, string etag);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership write for {Silo} lost the table version {Version} to another change")]
    private static partial void LogDebugVersionLost(ILogger logger, SiloAddress silo, TableVersion version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Membership write for {Silo} found its entry changed since ETag {ETag}")]
    private static partial void LogDebugEntryMovedOn(ILogger logger, SiloAddress silo, int? etag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Finishing the membership change of {SiloIdentity} at version {Version} that another silo left half done")]
    private static partial void LogInformationFinishingPendingWrite(ILogger logger, string siloIdentity, int version);
}
