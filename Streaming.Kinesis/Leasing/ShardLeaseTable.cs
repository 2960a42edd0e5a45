using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// The application's lease and checkpoint table in DynamoDB, named after the application as the KCL names its own.
/// Every write that changes a lease bumps <c>leaseCounter</c> and is conditional on the owner, so a worker that lost a
/// lease can never move its checkpoint.
/// </summary>
internal sealed class ShardLeaseTable(IAmazonDynamoDB dynamo, string tableName)
{
    private const string LeaseKey = "leaseKey";
    private const string LeaseOwner = "leaseOwner";
    private const string LeaseCounter = "leaseCounter";
    private const string Checkpoint = "checkpoint";
    private const string CheckpointSubSequenceNumber = "checkpointSubSequenceNumber";
    private const string OwnerSwitchesSinceCheckpoint = "ownerSwitchesSinceCheckpoint";
    private const string ParentShardId = "parentShardId";
    private const string OriginSequenceNumber = "kgrainsOriginSequenceNumber";
    private const string AdoptedCheckpoint = "kgrainsAdoptedCheckpoint";
    private const string EndPosition = "kgrainsEndPosition";
    private const string ReplayFrom = "kgrainsReplayFrom";
    private const string ResetOrigin = "kgrainsResetOrigin";
    private const string ResetTimestamp = "kgrainsResetTimestamp";
    private const string StateGeneration = "kgrainsStateGeneration";
    private const string EntityType = "entityType";
    private const string StreamEntity = "STREAM";
    private const string StreamIdentityKey = "kgrains:stream";

    // Rows of the silo, not of a shard: keys no shard id can take, and entity types KCL 3.5 scanners skip.
    private const string FactsEntity = "FACTS";
    private const string FactsKey = "kgrains:facts";
    private const string Facts = "facts";
    private const string PendingRescale = "kgrainsPendingRescale";
    private const string Paused = "kgrainsPaused";
    private const string SiloClaimEntity = "SILO_CLAIM";
    private const string SiloClaimKey = "kgrains:sole-silo";
    private const string SiloId = "siloId";
    private const string Heartbeat = "heartbeat";

    public string TableName { get; } = tableName;

    /// <summary>Creates the table (on-demand billing, hash key leaseKey) unless it exists, and waits until it is ACTIVE.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = TableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema = [new KeySchemaElement(LeaseKey, KeyType.HASH)],
                    AttributeDefinitions = [new AttributeDefinition(LeaseKey, ScalarAttributeType.S)],
                },
                cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // Another worker created it first.
        }

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var description = await dynamo.DescribeTableAsync(TableName, cancellationToken);
            if (description.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"DynamoDB table '{TableName}' did not become ACTIVE within 2 minutes.");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Creates the lease of a shard with its initial checkpoint; a no-op when it exists.</summary>
    public async Task<bool> CreateIfNotExistsAsync(string shardId, string initialCheckpoint, IReadOnlyList<string> parentShardIds, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LeaseKey] = new() { S = shardId },
            [LeaseCounter] = new() { N = "0" },
            [Checkpoint] = new() { S = initialCheckpoint },
            [CheckpointSubSequenceNumber] = new() { N = "0" },
            [OwnerSwitchesSinceCheckpoint] = new() { N = "0" },
        };
        if (parentShardIds.Count > 0)
        {
            item[ParentShardId] = new AttributeValue { SS = [.. parentShardIds] };
        }

        return await PutIfAbsentAsync(item, cancellationToken);
    }

    public async Task<ShardLease?> GetAsync(string shardId, CancellationToken cancellationToken) =>
        await GetRowAsync(shardId, cancellationToken) is { } item ? Parse(item) : null;

    /// <summary>Writes a row unless one with its key exists; false when it did.</summary>
    private async Task<bool> PutIfAbsentAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(
                new PutItemRequest { TableName = TableName, Item = item, ConditionExpression = $"attribute_not_exists({LeaseKey})" },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>A row by its key, read consistently; null when there is none.</summary>
    private async Task<Dictionary<string, AttributeValue>?> GetRowAsync(string key, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(
            new GetItemRequest { TableName = TableName, Key = Key(key), ConsistentRead = true },
            cancellationToken);
        return response.IsItemSet && response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>Every shard lease in the table (rows of other entity types are skipped, as KCL 3.5 requires).</summary>
    public async Task<IReadOnlyList<ShardLease>> ListAsync(CancellationToken cancellationToken) =>
        (await ScanAsync(cancellationToken)).Leases;

    /// <summary>
    /// Every shard lease in the table, since when the application's input is paused (null: it is not) and its pinned
    /// partition count (null before its first start), from the facts row the same scan reads: a silo's shard sync
    /// learns of a pause or a live rescale without a request of its own.
    /// </summary>
    public async Task<(IReadOnlyList<ShardLease> Leases, DateTimeOffset? PausedSince, int? PartitionCount)> ScanAsync(CancellationToken cancellationToken)
    {
        var leases = new List<ShardLease>();
        DateTimeOffset? pausedSince = null;
        int? partitionCount = null;
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var response = await dynamo.ScanAsync(
                new ScanRequest { TableName = TableName, ConsistentRead = true, ExclusiveStartKey = startKey },
                cancellationToken);
            foreach (var item in response.Items ?? [])
            {
                if (!item.TryGetValue(EntityType, out var entity) || entity.S == "LEASE")
                {
                    leases.Add(Parse(item));
                }
                else if (item.TryGetValue(LeaseKey, out var key) && key.S == FactsKey)
                {
                    pausedSince = PausedSinceOf(item);
                    partitionCount = PartitionCountOf(item);
                }
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);

        return (leases, pausedSince, partitionCount);
    }

    /// <summary>
    /// Takes the lease for <paramref name="owner"/> if nobody changed it since it was read (its
    /// lease counter unchanged) (a free lease, or one whose owner stopped renewing it).
    /// </summary>
    /// <exception cref="LeaseLostException">Another worker changed the lease first.</exception>
    public async Task<ShardLease> TakeAsync(ShardLease lease, string owner, CancellationToken cancellationToken)
    {
        var switches = lease.LeaseOwner == owner ? "0" : "1";
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(lease.LeaseKey),
                    UpdateExpression = $"SET {LeaseOwner} = :owner ADD {LeaseCounter} :one, {OwnerSwitchesSinceCheckpoint} :switches",
                    ConditionExpression = $"{LeaseCounter} = :expected",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":owner"] = new() { S = owner },
                        [":one"] = new() { N = "1" },
                        [":switches"] = new() { N = switches },
                        [":expected"] = new() { N = lease.LeaseCounter.ToString(CultureInfo.InvariantCulture) },
                    },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken);
            return Parse(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new LeaseLostException(lease.LeaseKey, owner);
        }
    }

    /// <summary>The heartbeat: bumps the counter of a lease <paramref name="owner"/> holds, so others see it alive.</summary>
    /// <exception cref="LeaseLostException">The lease has another owner now.</exception>
    public Task RenewAsync(string shardId, string owner, CancellationToken cancellationToken)
        => UpdateOwnedAsync(shardId, owner, $"ADD {LeaseCounter} :one", cancellationToken);

    /// <summary>
    /// Gives up a lease <paramref name="owner"/> holds, after its final checkpoint: <c>leaseOwner</c> is removed (the
    /// KCL's "unassigned", never an empty string) and the counter bumped, so another worker takes it at its next pass
    /// instead of waiting for it to expire. Conditional on the owner, as the KCL's evictLease.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease has another owner now.</exception>
    public Task ReleaseAsync(string shardId, string owner, CancellationToken cancellationToken)
        => UpdateOwnedAsync(shardId, owner, $"REMOVE {LeaseOwner} ADD {LeaseCounter} :one", cancellationToken);

    /// <summary>An update of a lease <paramref name="owner"/> holds that also bumps the counter (<c>:one</c>).</summary>
    /// <exception cref="LeaseLostException">The lease has another owner now.</exception>
    private async Task UpdateOwnedAsync(string shardId, string owner, string updateExpression, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(shardId),
                    UpdateExpression = updateExpression,
                    ConditionExpression = $"{LeaseOwner} = :owner",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                    {
                        [":owner"] = new() { S = owner },
                        [":one"] = new() { N = "1" },
                    },
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new LeaseLostException(shardId, owner);
        }
    }

    /// <summary>
    /// Moves the checkpoint of <paramref name="shardId"/>, which <paramref name="owner"/> must hold.
    /// Throws <see cref="LeaseLostException"/> when another worker owns the lease.
    /// </summary>
    /// <param name="end">With SHARD_END: the last position the partitions vouched for (kept as <see cref="ShardLease.EndPosition"/>).</param>
    public async Task CheckpointAsync(
        string shardId, string owner, string checkpoint, long subSequenceNumber, CancellationToken cancellationToken, Abstractions.Streams.ShardPosition? end = null)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":owner"] = new() { S = owner },
            [":checkpoint"] = new() { S = checkpoint },
            [":sub"] = new() { N = subSequenceNumber.ToString(CultureInfo.InvariantCulture) },
            [":zero"] = new() { N = "0" },
            [":one"] = new() { N = "1" },
        };
        var setEnd = "";
        if (end is { } last && checkpoint == SentinelCheckpoint.ShardEnd)
        {
            values[":end"] = new() { S = ShardLease.TextOf(last) };
            setEnd = $", {EndPosition} = :end";
        }

        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(shardId),
                    UpdateExpression =
                        $"SET {LeaseOwner} = :owner, {Checkpoint} = :checkpoint, {CheckpointSubSequenceNumber} = :sub, {OwnerSwitchesSinceCheckpoint} = :zero{setEnd} ADD {LeaseCounter} :one",
                    ConditionExpression = $"{LeaseOwner} = :owner",
                    ExpressionAttributeValues = values,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new LeaseLostException(shardId, owner);
        }
    }

    /// <summary>
    /// Asks for an ended shard to be read again from <paramref name="from"/> (null: its origin) to its end, for a
    /// partition that no longer holds its end (rule 4). An earlier request wins over a later one; the row is changed
    /// only from the value read (compare and set), so two silos asking at once both end up served.
    /// </summary>
    /// <returns>The request now in the row; null when the shard is not ended (nothing to replay).</returns>
    public async Task<string?> RequestReplayAsync(string shardId, Abstractions.Streams.ShardPosition? from, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetAsync(shardId, cancellationToken) is not { IsShardEnd: true } lease)
            {
                return null;
            }

            var current = lease.ReplayFrom is null ? (Abstractions.Streams.ShardPosition?)null : lease.ReplayStart;
            var wanted = lease.ReplayFrom is null ? from : Abstractions.ExactlyOnce.ShardGap.EarlierStart(current, from);
            var text = ShardLease.ReplayTextOf(wanted);
            if (text == lease.ReplayFrom)
            {
                return text;
            }

            var values = new Dictionary<string, AttributeValue>
            {
                [":replay"] = new() { S = text },
                [":end"] = new() { S = SentinelCheckpoint.ShardEnd },
            };
            if (lease.ReplayFrom is { } seen)
            {
                values[":seen"] = new() { S = seen };
            }

            try
            {
                await dynamo.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = TableName,
                        Key = Key(shardId),
                        UpdateExpression = $"SET {ReplayFrom} = :replay",
                        ConditionExpression = lease.ReplayFrom is null
                            ? $"{Checkpoint} = :end AND attribute_not_exists({ReplayFrom})"
                            : $"{Checkpoint} = :end AND {ReplayFrom} = :seen",
                        ExpressionAttributeValues = values,
                    },
                    cancellationToken);
                return text;
            }
            catch (ConditionalCheckFailedException)
            {
                // Another silo asked or finished in between: read again and decide again.
            }
        }
    }

    /// <summary>
    /// Ends the replay of an ended shard that <paramref name="owner"/> read from <paramref name="replayFrom"/> to its
    /// end with every partition vouching for it. Conditional on both: a request changed in between (an earlier start)
    /// stays, and the shard is read again.
    /// </summary>
    /// <returns>False when the request changed; <see cref="LeaseLostException"/> when the lease has another owner.</returns>
    public Task<bool> CompleteReplayAsync(string shardId, string owner, string replayFrom, CancellationToken cancellationToken) =>
        UpdateOwnedIfAsync(
            shardId,
            owner,
            $"REMOVE {ReplayFrom} ADD {LeaseCounter} :one",
            $"{ReplayFrom} = :replay",
            new() { [":replay"] = new() { S = replayFrom }, [":one"] = new() { N = "1" } },
            cancellationToken);

    /// <summary>An update of a lease <paramref name="owner"/> holds, when <paramref name="condition"/> holds too.</summary>
    /// <returns>False when only <paramref name="condition"/> failed.</returns>
    /// <exception cref="LeaseLostException">The lease has another owner now.</exception>
    private async Task<bool> UpdateOwnedIfAsync(
        string shardId, string owner, string updateExpression, string condition, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        values[":owner"] = new() { S = owner };
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(shardId),
                    UpdateExpression = updateExpression,
                    ConditionExpression = $"{LeaseOwner} = :owner AND {condition}",
                    ExpressionAttributeValues = values,
                },
                cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return (await GetAsync(shardId, cancellationToken))?.LeaseOwner == owner ? false : throw new LeaseLostException(shardId, owner);
        }
    }

    /// <summary>
    /// At an application's first start: every checkpoint already in the table (a KCL application moved over, or one an
    /// operator wrote) becomes its shard's origin for this application. Its partitions start empty and owe nothing
    /// before it, so the first batches after it are accepted as batches from the origin.
    /// </summary>
    /// <returns>How many checkpoints were adopted.</returns>
    public async Task<int> AdoptCheckpointsAsync(CancellationToken cancellationToken)
    {
        var adopted = 0;
        foreach (var lease in await ListAsync(cancellationToken))
        {
            if (SentinelCheckpoint.IsSentinel(lease.Checkpoint) || lease.AdoptedCheckpoint is not null)
            {
                continue;
            }

            try
            {
                await dynamo.UpdateItemAsync(
                    new UpdateItemRequest
                    {
                        TableName = TableName,
                        Key = Key(lease.LeaseKey),
                        UpdateExpression = $"SET {AdoptedCheckpoint} = :adopted",
                        ConditionExpression = $"{Checkpoint} = :checkpoint AND {CheckpointSubSequenceNumber} = :sub",
                        ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                        {
                            [":adopted"] = new() { S = ShardLease.AdoptionText(lease.Checkpoint, lease.CheckpointSubSequenceNumber) },
                            [":checkpoint"] = new() { S = lease.Checkpoint },
                            [":sub"] = new() { N = lease.CheckpointSubSequenceNumber.ToString(CultureInfo.InvariantCulture) },
                        },
                    },
                    cancellationToken);
                adopted++;
            }
            catch (ConditionalCheckFailedException)
            {
                // Moved by a reader meanwhile: this application's own checkpoint, nothing to adopt.
            }
        }

        return adopted;
    }

    /// <summary>
    /// Records where a shard started at LATEST began for this application (its first fetched record), once, while
    /// <paramref name="owner"/> holds the lease; a value already there is kept.
    /// </summary>
    public Task RecordOriginAsync(string shardId, string owner, string sequenceNumber, CancellationToken cancellationToken) =>
        UpdateOwnedIfAsync(
            shardId,
            owner,
            $"SET {OriginSequenceNumber} = :origin",
            $"attribute_not_exists({OriginSequenceNumber})",
            new() { [":origin"] = new() { S = sequenceNumber } },
            cancellationToken);

    /// <summary>
    /// Moves a checkpoint back (after state was restored from an older snapshot), whoever holds the lease: records
    /// after <paramref name="checkpoint"/> are read again, and partitions that had them skip them by their marks.
    /// </summary>
    public async Task RewindAsync(string shardId, string checkpoint, long subSequenceNumber, CancellationToken cancellationToken)
    {
        await dynamo.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = TableName,
                Key = Key(shardId),
                UpdateExpression = $"SET {Checkpoint} = :checkpoint, {CheckpointSubSequenceNumber} = :sub ADD {LeaseCounter} :one",
                ConditionExpression = $"attribute_exists({LeaseKey})",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":checkpoint"] = new() { S = checkpoint },
                    [":sub"] = new() { N = subSequenceNumber.ToString(CultureInfo.InvariantCulture) },
                    [":one"] = new() { N = "1" },
                },
            },
            cancellationToken);
    }

    /// <summary>
    /// Sets a shard's read position to <paramref name="position"/> (TRIM_HORIZON, LATEST or AT_TIMESTAMP at
    /// <paramref name="timestamp"/>), which becomes its origin: the lease is freed, and what the application knew of
    /// where it began (its first record after LATEST, an adopted checkpoint) or ended (the end position, a replay
    /// request) is forgotten. Conditional on the lease being unchanged since it was read: a silo that took or renewed it
    /// meanwhile is running.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease changed since <paramref name="lease"/> was read.</exception>
    public async Task ResetPositionAsync(ShardLease lease, string position, DateTimeOffset? timestamp, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":checkpoint"] = new() { S = position },
            [":origin"] = new() { S = position },
            [":zero"] = new() { N = "0" },
            [":one"] = new() { N = "1" },
            [":expected"] = new() { N = lease.LeaseCounter.ToString(CultureInfo.InvariantCulture) },
        };
        var set = $"{Checkpoint} = :checkpoint, {CheckpointSubSequenceNumber} = :zero, {OwnerSwitchesSinceCheckpoint} = :zero, {ResetOrigin} = :origin";
        var remove = $"{LeaseOwner}, {OriginSequenceNumber}, {AdoptedCheckpoint}, {EndPosition}, {ReplayFrom}";
        if (timestamp is { } at)
        {
            values[":at"] = new() { N = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) };
            set += $", {ResetTimestamp} = :at";
        }
        else
        {
            remove += $", {ResetTimestamp}";
        }

        await UpdateUnchangedAsync(lease, $"SET {set} REMOVE {remove} ADD {LeaseCounter} :one", values, cancellationToken);
    }

    /// <summary>
    /// Makes a shard's current checkpoint its origin (as adoption does at a first start), for state that starts empty
    /// while the shard keeps its position: partitions owe nothing before it. An ended shard owes nothing at all: its end
    /// position and replay request are forgotten. Conditional on the lease being unchanged since it was read.
    /// </summary>
    /// <exception cref="LeaseLostException">The lease changed since <paramref name="lease"/> was read.</exception>
    public async Task ReoriginAsync(ShardLease lease, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":one"] = new() { N = "1" },
            [":expected"] = new() { N = lease.LeaseCounter.ToString(CultureInfo.InvariantCulture) },
        };
        var set = "";
        if (!SentinelCheckpoint.IsSentinel(lease.Checkpoint))
        {
            values[":adopted"] = new() { S = ShardLease.AdoptionText(lease.Checkpoint, lease.CheckpointSubSequenceNumber) };
            set = $"SET {AdoptedCheckpoint} = :adopted ";
        }

        await UpdateUnchangedAsync(lease, $"{set}REMOVE {LeaseOwner}, {EndPosition}, {ReplayFrom} ADD {LeaseCounter} :one", values, cancellationToken);
    }

    /// <summary>An update of a lease nobody changed since <paramref name="lease"/> was read (<c>:expected</c> is its counter).</summary>
    private async Task UpdateUnchangedAsync(ShardLease lease, string updateExpression, Dictionary<string, AttributeValue> values, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(lease.LeaseKey),
                    UpdateExpression = updateExpression,
                    ConditionExpression = $"{LeaseCounter} = :expected",
                    ExpressionAttributeValues = values,
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new LeaseLostException(lease.LeaseKey, lease.LeaseOwner ?? "(none)");
        }
    }

    /// <summary>
    /// The application's state generation: 0 until <c>kgrains reset --clear-state</c> first bumps it. It is part of the
    /// incarnation that names local state folders, snapshot prefixes and pointer rows, so a new generation opens none
    /// of the state an earlier one wrote, wherever it lies.
    /// </summary>
    public async Task<long> GetStateGenerationAsync(CancellationToken cancellationToken) =>
        await GetRowAsync(StreamIdentityKey, cancellationToken) is { } item && item.TryGetValue(StateGeneration, out var generation)
            ? long.Parse(generation.N, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>
    /// The incarnation of <paramref name="stream"/> in state generation <paramref name="generation"/>, which names the
    /// application's local state folders, snapshot prefixes and pointer rows: the stream's creation time in Unix ms, then
    /// "-g" and the generation once a reset cleared the state. The silo and the tools that read its snapshots name it here.
    /// </summary>
    internal static string IncarnationOf(StreamIdentity stream, long generation)
    {
        var created = stream.CreationTimestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return generation == 0 ? created : string.Create(CultureInfo.InvariantCulture, $"{created}-g{generation}");
    }

    /// <summary>Starts a new state generation (<see cref="GetStateGenerationAsync"/>); null when no silo ever started (no state to leave behind).</summary>
    public async Task<long?> BumpStateGenerationAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = TableName,
                    Key = Key(StreamIdentityKey),
                    UpdateExpression = $"ADD {StateGeneration} :one",
                    ConditionExpression = $"attribute_exists({LeaseKey})",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":one"] = new() { N = "1" } },
                    ReturnValues = ReturnValue.UPDATED_NEW,
                },
                cancellationToken);
            return long.Parse(response.Attributes[StateGeneration].N, CultureInfo.InvariantCulture);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sets a shard's checkpoint to where a savepoint's state needs it read from (a restore while the application is
    /// stopped), whatever it is now: <paramref name="endPosition"/> is the shard's recorded end when the savepoint found
    /// it ended (null removes it), a replay request is removed, and the lease is freed, so the next silo takes it at once.
    /// </summary>
    public async Task RestoreCheckpointAsync(string shardId, string checkpoint, long subSequenceNumber, string? endPosition, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":checkpoint"] = new() { S = checkpoint },
            [":sub"] = new() { N = subSequenceNumber.ToString(CultureInfo.InvariantCulture) },
            [":one"] = new() { N = "1" },
        };
        var set = $"SET {Checkpoint} = :checkpoint, {CheckpointSubSequenceNumber} = :sub";
        var remove = $"REMOVE {LeaseOwner}, {ReplayFrom}";
        if (endPosition is null)
        {
            remove += $", {EndPosition}";
        }
        else
        {
            set += $", {EndPosition} = :end";
            values[":end"] = new() { S = endPosition };
        }

        await dynamo.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = TableName,
                Key = Key(shardId),
                UpdateExpression = $"{set} {remove} ADD {LeaseCounter} :one",
                ConditionExpression = $"attribute_exists({LeaseKey})",
                ExpressionAttributeValues = values,
            },
            cancellationToken);
    }

    /// <summary>The stream these checkpoints belong to, as first recorded; null for a new table.</summary>
    public async Task<StreamIdentity?> GetStreamIdentityAsync(CancellationToken cancellationToken)
    {
        if (await GetRowAsync(StreamIdentityKey, cancellationToken) is not { } item)
        {
            return null;
        }

        return new StreamIdentity(
            item["streamName"].S,
            item["streamArn"].S,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(item["streamCreationTimestamp"].N, CultureInfo.InvariantCulture)));
    }

    /// <summary>Records the stream's identity unless one is recorded already; returns the one in the table.</summary>
    public async Task<StreamIdentity> RecordStreamIdentityAsync(StreamIdentity identity, CancellationToken cancellationToken)
    {
        // A row of its own entity type: KCL 3.5 scanners skip it, as they skip their own STREAM rows.
        var recorded = await PutIfAbsentAsync(
            new Dictionary<string, AttributeValue>
            {
                [LeaseKey] = new() { S = StreamIdentityKey },
                [EntityType] = new() { S = StreamEntity },
                ["streamName"] = new() { S = identity.StreamName },
                ["streamArn"] = new() { S = identity.StreamArn },
                ["streamCreationTimestamp"] = new() { N = identity.CreationTimestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
            },
            cancellationToken);
        return recorded ? identity : await GetStreamIdentityAsync(cancellationToken) ?? identity;
    }

    /// <summary>The application's facts as recorded at its first start; null when none are (a new or reset table). Reads only.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetApplicationFactsAsync(CancellationToken cancellationToken) =>
        await GetRowAsync(FactsKey, cancellationToken) is { } row && row.TryGetValue(Facts, out var recorded) && recorded.M is { } map
            ? map.ToDictionary(f => f.Key, f => f.Value.S, StringComparer.Ordinal)
            : null;

    /// <summary>
    /// Records the application's facts (setting name to value) unless facts are recorded already, in one conditional
    /// write; returns the facts in the table, which a silo compares with its own.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, string> Pinned, bool FirstStart)> RecordApplicationFactsAsync(IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [LeaseKey] = new() { S = FactsKey },
            [EntityType] = new() { S = FactsEntity },
            [Facts] = new() { M = facts.ToDictionary(f => f.Key, f => new AttributeValue { S = f.Value }) },
        };
        if (await PutIfAbsentAsync(item, cancellationToken))
        {
            return (facts, true);
        }

        // Deleted in between (a reset): the next start records them.
        return (await GetRowAsync(FactsKey, cancellationToken) is { } row && row.TryGetValue(Facts, out var recorded) && recorded.M is { } map
            ? map.ToDictionary(f => f.Key, f => f.Value.S)
            : facts, false);
    }

    /// <summary>Sets one fact on the facts row, which must exist: for a fact that is not pinned (<see cref="ApplicationRecord.LeaseFailoverTimeFact"/>).</summary>
    public Task SetApplicationFactAsync(string name, string value, CancellationToken cancellationToken) =>
        UpdateFactsRowAsync($"SET {Facts}.#name = :value", new() { ["#name"] = name }, new() { [":value"] = new() { S = value } }, cancellationToken);

    /// <summary>
    /// The rescale (or reset that keeps the state) a tool prepared but has not finished (its partitions' new snapshots
    /// are uploaded, the pointers, checkpoints or partition count fact not all changed yet), as the tool wrote it; null
    /// when none is. A silo does not start while one is pending.
    /// </summary>
    public async Task<string?> GetPendingRescaleAsync(CancellationToken cancellationToken) =>
        await GetRowAsync(FactsKey, cancellationToken) is { } row && row.TryGetValue(PendingRescale, out var pending) ? pending.S : null;

    /// <summary>Records a prepared rescale (<see cref="GetPendingRescaleAsync"/>) on the facts row, which must exist.</summary>
    public Task SetPendingRescaleAsync(string description, CancellationToken cancellationToken) =>
        UpdateFactsRowAsync($"SET {PendingRescale} = :pending", null, new() { [":pending"] = new() { S = description } }, cancellationToken);

    /// <summary>Drops a pending record whose operation switched nothing yet (its first step was interrupted, and it is given up or begun again).</summary>
    public Task ClearPendingRescaleAsync(CancellationToken cancellationToken) =>
        UpdateFactsRowAsync($"REMOVE {PendingRescale}", null, null, cancellationToken);

    /// <summary>
    /// Ends a rescale (or a reset that keeps the state) in one write: the partition count fact becomes
    /// <paramref name="partitionCount"/> and the pending record goes, and with <paramref name="resume"/> the pause too
    /// (a live reset: it is done and the input resumes at once, or neither).
    /// </summary>
    public Task CompleteRescaleAsync(int partitionCount, CancellationToken cancellationToken, bool resume = false) =>
        UpdateFactsRowAsync(
            $"SET {Facts}.#count = :count REMOVE {PendingRescale}" + (resume ? $", {Paused}" : ""),
            new() { ["#count"] = ApplicationRecord.PartitionCountFact },
            new() { [":count"] = new() { S = partitionCount.ToString(CultureInfo.InvariantCulture) } },
            cancellationToken);

    /// <summary>
    /// Since when the application's input is paused (<c>kgrains pause</c>, or a live reset): while it is, no silo takes a
    /// shard lease and each hands back the ones it holds after a final checkpoint. Null when it is not paused. Reads only.
    /// </summary>
    public async Task<DateTimeOffset?> GetPausedSinceAsync(CancellationToken cancellationToken) =>
        await GetRowAsync(FactsKey, cancellationToken) is { } row ? PausedSinceOf(row) : null;

    private static int? PartitionCountOf(Dictionary<string, AttributeValue> factsRow) =>
        factsRow.TryGetValue(Facts, out var facts) && facts.M is { } map && map.TryGetValue(ApplicationRecord.PartitionCountFact, out var count)
            && int.TryParse(count.S, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    /// <summary>The partition count pinned for the application (<c>Grains:PartitionCount</c>); null before its first start. Reads only.</summary>
    public async Task<int?> GetPartitionCountAsync(CancellationToken cancellationToken) =>
        await GetRowAsync(FactsKey, cancellationToken) is { } row ? PartitionCountOf(row) : null;

    private static DateTimeOffset? PausedSinceOf(Dictionary<string, AttributeValue> factsRow) =>
        factsRow.TryGetValue(Paused, out var since) && since.S is { } text
            ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : null;

    /// <summary>Pauses the application's input from <paramref name="since"/> (<see cref="GetPausedSinceAsync"/>) on the facts row, which must exist; a pause already recorded keeps its time.</summary>
    public Task PauseAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        UpdateFactsRowAsync(
            $"SET {Paused} = if_not_exists({Paused}, :since)",
            null,
            new() { [":since"] = new() { S = since.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) } },
            cancellationToken);

    /// <summary>Ends a pause: the silos take the shard leases again at their next pass.</summary>
    public Task ResumeAsync(CancellationToken cancellationToken) =>
        UpdateFactsRowAsync($"REMOVE {Paused}", null, null, cancellationToken);

    /// <summary>Updates the facts row, which must exist (the application started once).</summary>
    private Task UpdateFactsRowAsync(
        string updateExpression, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values, CancellationToken cancellationToken) =>
        dynamo.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = TableName,
                Key = Key(FactsKey),
                UpdateExpression = updateExpression,
                ConditionExpression = $"attribute_exists({LeaseKey})",
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
            },
            cancellationToken);

    /// <summary>
    /// Takes or renews the claim that <paramref name="siloId"/> alone runs the application, unless another silo holds
    /// it and renewed it within <paramref name="lapse"/>.
    /// </summary>
    /// <returns>Null when the claim is this silo's now; otherwise the other silo's claim.</returns>
    public async Task<SiloClaim?> ClaimSoleSiloAsync(string siloId, DateTimeOffset now, TimeSpan lapse, CancellationToken cancellationToken)
    {
        // A holder that vanished between the refused write and the read is retried: its claim is free now.
        while (true)
        {
            try
            {
                await dynamo.PutItemAsync(
                    new PutItemRequest
                    {
                        TableName = TableName,
                        Item = new Dictionary<string, AttributeValue>
                        {
                            [LeaseKey] = new() { S = SiloClaimKey },
                            [EntityType] = new() { S = SiloClaimEntity },
                            [SiloId] = new() { S = siloId },
                            [Heartbeat] = new() { N = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                        },
                        ConditionExpression = $"attribute_not_exists({LeaseKey}) OR {SiloId} = :me OR {Heartbeat} < :lapsed",
                        ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                        {
                            [":me"] = new() { S = siloId },
                            [":lapsed"] = new() { N = (now - lapse).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
                        },
                    },
                    cancellationToken);
                return null;
            }
            catch (ConditionalCheckFailedException)
            {
                if (await GetSiloClaimAsync(cancellationToken) is { } holder)
                {
                    return holder;
                }
            }
        }
    }

    /// <summary>The claim of the silo that alone runs the application; null when nobody holds it.</summary>
    public async Task<SiloClaim?> GetSiloClaimAsync(CancellationToken cancellationToken)
    {
        return await GetRowAsync(SiloClaimKey, cancellationToken) is { } item
            ? new SiloClaim(item[SiloId].S, DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(item[Heartbeat].N, CultureInfo.InvariantCulture)))
            : null;
    }

    /// <summary>Gives up the claim if <paramref name="siloId"/> still holds it (a silo that stops), so the next silo starts at once.</summary>
    public async Task ReleaseSoleSiloAsync(string siloId, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = TableName,
                    Key = Key(SiloClaimKey),
                    ConditionExpression = $"{SiloId} = :me",
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":me"] = new() { S = siloId } },
                },
                cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            // Taken by another silo after this one lapsed, or never held: nothing of ours to give up.
        }
    }

    /// <summary>
    /// Deletes every row of the table (shard leases, partition leases with their snapshot pointers, the recorded
    /// stream identity and application facts): the application starts afresh. The claim of the running silo stays:
    /// it is about who runs now, not about the application's past.
    /// </summary>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? startKey = null;
        do
        {
            var response = await dynamo.ScanAsync(
                new ScanRequest { TableName = TableName, ConsistentRead = true, ExclusiveStartKey = startKey, ProjectionExpression = LeaseKey },
                cancellationToken);
            foreach (var item in (response.Items ?? []).Where(i => i[LeaseKey].S != SiloClaimKey))
            {
                await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = TableName, Key = Key(item[LeaseKey].S) }, cancellationToken);
            }

            startKey = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (startKey is not null);
    }

    private static Dictionary<string, AttributeValue> Key(string shardId) => new() { [LeaseKey] = new() { S = shardId } };

    private static ShardLease Parse(Dictionary<string, AttributeValue> item) => new(
        item[LeaseKey].S,
        item.TryGetValue(LeaseOwner, out var owner) ? owner.S : null,
        item.TryGetValue(LeaseCounter, out var counter) ? long.Parse(counter.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue(Checkpoint, out var checkpoint) ? checkpoint.S : SentinelCheckpoint.TrimHorizon,
        item.TryGetValue(CheckpointSubSequenceNumber, out var sub) ? long.Parse(sub.N, CultureInfo.InvariantCulture) : 0,
        item.TryGetValue(ParentShardId, out var parents) && parents.SS is { } set ? set : [],
        item.TryGetValue(OriginSequenceNumber, out var origin) ? origin.S : null,
        item.TryGetValue(AdoptedCheckpoint, out var adopted) ? adopted.S : null,
        item.TryGetValue(EndPosition, out var end) ? end.S : null,
        item.TryGetValue(ReplayFrom, out var replay) ? replay.S : null,
        item.TryGetValue(ResetOrigin, out var resetOrigin) ? resetOrigin.S : null,
        item.TryGetValue(ResetTimestamp, out var resetAt) ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(resetAt.N, CultureInfo.InvariantCulture)) : null);
}
