using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Cli.Rescaling;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Savepoints;

/// <summary>
/// Savepoints of one application: named, kept points its state and checkpoints can go back to. A savepoint pins every
/// partition's newest committed snapshot in the pointer rows (prune keeps pinned snapshots whatever the retention) and
/// records where each shard is read from again: the earliest position any partition's snapshot covers. A restore, while
/// no silo runs, makes each pinned snapshot the partition's latest again and sets the shards' checkpoints there; the
/// partitions skip by their marks what they already hold, so every record counts once. docs/exactly-once.md has the
/// argument; the README's Operations section the commands.
/// </summary>
internal sealed class SavepointStore(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application)
{
    /// <summary>How long a restore watches shard leases that still have an owner: one that renews meanwhile is a running silo.</summary>
    public TimeSpan LeaseFailoverTime { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Savepoint names become S3 keys and pin entries: a plain, short name.</summary>
    public static string? NameProblem(string name) =>
        name.Length is 0 or > 100 || name is "." or ".." || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            ? $"savepoint name '{name}' must be 1 to 100 ASCII letters, digits, '-', '_' or '.'."
            : null;

    /// <summary>
    /// Pins the newest committed snapshot of every partition and writes the descriptor. With the application running
    /// and a <paramref name="barrier"/>, every silo first runs a checkpoint cycle, so the snapshots hold what was applied
    /// when the command ran; without one, they are those of its last barrier. A partition that commits a newer snapshot
    /// meanwhile gets that one pinned instead (each snapshot is consistent with its own coverage, which the descriptor
    /// records).
    /// </summary>
    public async Task<SavepointDescriptor> CreateAsync(string name, CancellationToken cancellationToken, SavepointBarrier? barrier = null)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        if (await ReadAsync(app, name, cancellationToken) is not null)
        {
            throw CliException.Runtime($"Savepoint '{name}' of application '{application}' exists already: delete it first ('kgrains savepoint delete {name}'), or choose another name.");
        }

        // Stopped, every partition's final snapshot holds all it applied: no barrier to ask for.
        IReadOnlyList<SavepointBarrierSilo>? barrierSilos = null;
        if (barrier is not null && await app.RunningSiloAsync(Time, cancellationToken) is { } running)
        {
            barrierSilos = [.. (await barrier.RunAsync(application, running, cancellationToken))
                .Select(r => new SavepointBarrierSilo(r.Silo, r.WorkerId, r.Cycle, r.CompletedAt))
                .OrderBy(s => s.Silo, StringComparer.Ordinal)];
        }

        // Read before the pointers: a checkpoint is never above what the snapshots committed after it cover (I3).
        var leases = await app.Leases.ListAsync(cancellationToken);
        var pointers = await app.Fence.ListAsync(cancellationToken);
        CheckComplete(app, pointers);

        var pinned = new List<(string PartitionId, long SnapshotId)>();
        try
        {
            foreach (var pointer in pointers)
            {
                pinned.Add((pointer.PartitionId, await PinNewestAsync(app.Fence, pointer, name, cancellationToken)));
            }

            var partitions = new List<SavepointPartition>();
            foreach (var (partitionId, snapshotId) in pinned)
            {
                var manifest = await app.Snapshots.GetManifestAsync(partitionId, snapshotId, cancellationToken)
                    ?? throw CliException.Runtime($"Snapshot {snapshotId} of partition {partitionId} is committed, but its manifest is missing from s3://{app.Bucket}/{app.Prefix}: the savepoint is not created.");
                partitions.Add(new SavepointPartition(
                    partitionId,
                    snapshotId,
                    manifest.Metadata.TryGetValue(SnapshotMetadata.Epoch, out var epoch) ? long.Parse(epoch, CultureInfo.InvariantCulture) : 0,
                    SnapshotMetadata.CoveredOf(manifest.Metadata)));
            }

            var descriptor = new SavepointDescriptor
            {
                Name = name,
                CreatedAt = Time.GetUtcNow(),
                Application = application,
                StreamName = app.Stream.StreamName,
                StreamArn = app.Stream.StreamArn,
                StreamCreatedAt = app.Stream.CreationTimestamp.ToUnixTimeMilliseconds(),
                Bucket = app.Bucket,
                Prefix = app.Prefix,
                PartitionCount = app.PartitionCount,
                Partitions = partitions,
                Shards = [.. leases.OrderBy(l => l.LeaseKey, StringComparer.Ordinal).Select(lease => StartOf(lease, partitions))],
                Barrier = barrierSilos,
            };

            // Last: a descriptor that exists names only pinned snapshots.
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = app.Bucket,
                Key = KeyOf(app, name),
                ContentBody = JsonSerializer.Serialize(descriptor, SavepointJsonContext.Default.SavepointDescriptor),
                ContentType = "application/json",
                UseChunkEncoding = false, // emulators store an aws-chunked body verbatim
            }, cancellationToken);
            return descriptor;
        }
        catch
        {
            // No descriptor names these pins: give them back, so prune is not held up by a savepoint that does not exist.
            foreach (var (partitionId, snapshotId) in pinned)
            {
                try
                {
                    await app.Fence.UnpinAsync(partitionId, name, snapshotId, CancellationToken.None);
                }
                catch (Exception exception) when (exception is AmazonDynamoDBException or HttpRequestException or IOException)
                {
                    // 'kgrains savepoint delete' removes what is left.
                }
            }

            throw;
        }
    }

    /// <summary>The application's savepoints (of the stream incarnation it reads), by name.</summary>
    public async Task<IReadOnlyList<SavepointDescriptor>> ListAsync(CancellationToken cancellationToken)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        var descriptors = new List<SavepointDescriptor>();
        var request = new ListObjectsV2Request { BucketName = app.Bucket, Prefix = SnapshotLocation.Savepoints(app.Prefix) };
        ListObjectsV2Response response;
        do
        {
            response = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                if (item.Key.EndsWith(".json", StringComparison.Ordinal)
                    && await ReadAsync(app, item.Key[request.Prefix.Length..^".json".Length], cancellationToken) is { } descriptor)
                {
                    descriptors.Add(descriptor);
                }
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        return [.. descriptors.OrderBy(d => d.Name, StringComparer.Ordinal)];
    }

    /// <summary>Deletes the descriptor, then the pins (prune then deletes what no retained or pinned snapshot names).</summary>
    /// <returns>How many pins were removed.</returns>
    public async Task<int> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        var descriptor = await ReadAsync(app, name, cancellationToken);
        var pins = (await app.Fence.ListAsync(cancellationToken))
            .Where(p => p.Pins.ContainsKey(name))
            .Select(p => (p.PartitionId, SnapshotId: p.Pins[name]))
            .ToList();
        if (descriptor is null && pins.Count == 0)
        {
            throw CliException.Runtime($"Application '{application}' has no savepoint named '{name}' ('kgrains savepoint list' shows them).");
        }

        // The descriptor first: one that exists always names pinned snapshots; pins left by a failure here are
        // removed by running the command again.
        await s3.DeleteObjectAsync(app.Bucket, KeyOf(app, name), cancellationToken);
        foreach (var (partitionId, snapshotId) in pins)
        {
            await app.Fence.UnpinAsync(partitionId, name, snapshotId, cancellationToken);
        }

        return pins.Count;
    }

    /// <summary>
    /// Takes the stopped application back to the savepoint: each partition's latest snapshot becomes the pinned one
    /// (its writer token bumped, so the next activation restores it and nothing older can commit), each shard's
    /// checkpoint the savepoint's position, and shards born after the savepoint (children of a reshard) start from
    /// their beginning again, after their parents.
    /// </summary>
    public async Task<SavepointRestore> RestoreAsync(string name, CancellationToken cancellationToken)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        await app.EnsureStoppedAsync("restoring a savepoint", Time, LeaseFailoverTime, cancellationToken);
        var descriptor = await ReadAsync(app, name, cancellationToken)
            ?? throw CliException.Runtime(
                $"Application '{application}' has no savepoint named '{name}' for the stream '{app.Stream.StreamName}' created at {app.Stream.CreationTimestamp:O} "
                + "('kgrains savepoint list' shows them; a savepoint of an earlier incarnation of the stream cannot be restored).");
        if (descriptor.StreamArn != app.Stream.StreamArn || descriptor.StreamCreatedAt != app.Stream.CreationTimestamp.ToUnixTimeMilliseconds())
        {
            throw CliException.Runtime(
                $"Savepoint '{name}' was taken on stream {descriptor.StreamArn} created at {DateTimeOffset.FromUnixTimeMilliseconds(descriptor.StreamCreatedAt):O}, "
                + $"but application '{application}' reads {app.Stream.StreamArn} created at {app.Stream.CreationTimestamp:O}: its sequence numbers mean nothing to this stream.");
        }

        if (await app.Leases.GetPendingRescaleAsync(cancellationToken) is not null)
        {
            throw CliException.Runtime($"Application '{application}' has an unfinished rescale: finish it first ('kgrains rescale' with the same --partitions), then restore.");
        }

        // Everything checked before anything changes.
        var pointers = (await app.Fence.ListAsync(cancellationToken)).ToDictionary(p => p.PartitionId, StringComparer.Ordinal);
        var rescale = descriptor.PartitionCount != app.PartitionCount;
        if (rescale)
        {
            // Restored at the savepoint's count and then cut into today's, every state is: one the savepoint lacks
            // would be cut as if it had the savepoint's count.
            var saved = descriptor.Partitions.Select(p => ApplicationTables.StateOf(p.PartitionId)).ToHashSet(StringComparer.Ordinal);
            if (pointers.Keys.Select(ApplicationTables.StateOf).OfType<string>().Where(s => !saved.Contains(s)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } added)
            {
                throw CliException.Runtime(
                    $"Savepoint '{name}' was taken with {descriptor.PartitionCount} partitions and application '{application}' has {app.PartitionCount}, "
                    + $"but states were added since ({string.Join(", ", added)}): a restore across partition counts rescales every state, and those have no part in the savepoint.");
            }
        }

        foreach (var partition in descriptor.Partitions)
        {
            if (!pointers.TryGetValue(partition.PartitionId, out var pointer) || pointer.Pins.GetValueOrDefault(name) != partition.SnapshotId
                || await app.Snapshots.GetManifestAsync(partition.PartitionId, partition.SnapshotId, cancellationToken) is null)
            {
                throw CliException.Runtime($"Snapshot {partition.SnapshotId} of partition {partition.PartitionId} that savepoint '{name}' names is no longer pinned or no longer in S3: the savepoint cannot be restored.");
            }
        }

        var leases = (await app.Leases.ListAsync(cancellationToken)).ToDictionary(l => l.LeaseKey, StringComparer.Ordinal);
        if (descriptor.Shards.FirstOrDefault(s => !leases.ContainsKey(s.ShardId)) is { } gone)
        {
            throw CliException.Runtime($"Shard {gone.ShardId} of savepoint '{name}' has no lease in table '{application}' any more: the savepoint cannot be restored.");
        }

        foreach (var partition in descriptor.Partitions)
        {
            // Older retained snapshots stay fallbacks; newer ones hold records after the savepoint and are let go.
            var retained = pointers[partition.PartitionId].RetainedSnapshotIds.Where(id => id < partition.SnapshotId).Append(partition.SnapshotId).ToList();
            await app.Fence.ResetLatestAsync(partition.PartitionId, partition.SnapshotId, retained, cancellationToken);
        }

        foreach (var shard in descriptor.Shards)
        {
            await app.Leases.RestoreCheckpointAsync(shard.ShardId, shard.Checkpoint, shard.SubSequenceNumber, shard.EndPosition, cancellationToken);
        }

        // Born after the savepoint: the state holds none of their records, and their parents are read again first.
        var known = descriptor.Shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        var children = leases.Values.Where(l => !known.Contains(l.LeaseKey) && l.ParentShardIds.Count > 0).Select(l => l.LeaseKey).Order(StringComparer.Ordinal).ToList();
        foreach (var child in children)
        {
            await app.Leases.RestoreCheckpointAsync(child, SentinelCheckpoint.TrimHorizon, 0, null, cancellationToken);
        }

        if (rescale)
        {
            // The savepoint's partitions are the application's again, at the savepoint's count; then they are cut into
            // today's count as any rescale does (killed in between, the application has the savepoint's count:
            // 'kgrains rescale' takes it on).
            await app.Leases.CompleteRescaleAsync(descriptor.PartitionCount, cancellationToken);
            await new ApplicationRescaler(dynamo, s3, application) { LeaseFailoverTime = LeaseFailoverTime, Time = Time }.RescaleAsync(app.PartitionCount, cancellationToken);
            return new SavepointRestore(descriptor, children, [], RescaledTo: app.PartitionCount);
        }

        var inSavepoint = descriptor.Partitions.Select(p => p.PartitionId).ToHashSet(StringComparer.Ordinal);
        return new SavepointRestore(descriptor, children, [.. pointers.Keys.Where(id => !inSavepoint.Contains(id)).Order(StringComparer.Ordinal)]);
    }

    /// <summary>Where a shard is read from after a restore.</summary>
    private static SavepointShard StartOf(ShardLease lease, IReadOnlyList<SavepointPartition> partitions)
    {
        // An ended shard stays ended: a partition that does not hold its end asks for its replay at the next barrier (rule 4).
        if (lease.IsShardEnd)
        {
            return new SavepointShard(lease.LeaseKey, lease.Checkpoint, lease.CheckpointSubSequenceNumber, lease.EndPosition, lease.ParentShardIds);
        }

        // The earliest point every partition holds: the others skip the replay up to their own coverage by their marks.
        ShardPosition? earliest = null;
        foreach (var partition in partitions)
        {
            if (!partition.Covered.TryGetValue(lease.LeaseKey, out var text))
            {
                // A partition with no proof for the shard (rule 2): only the lease's origin is safe, and the checkpoint,
                // read before these snapshots, is at most what each of them covers (I3).
                return new SavepointShard(lease.LeaseKey, lease.Checkpoint, lease.CheckpointSubSequenceNumber, null, lease.ParentShardIds);
            }

            var position = Parse(text);
            earliest = earliest is { } current && current <= position ? current : position;
        }

        return earliest is { } start
            ? new SavepointShard(lease.LeaseKey, start.SequenceNumber, start.SubSequenceNumber, null, lease.ParentShardIds)
            : new SavepointShard(lease.LeaseKey, lease.Checkpoint, lease.CheckpointSubSequenceNumber, null, lease.ParentShardIds);
    }

    private static ShardPosition Parse(string text)
    {
        var slash = text.LastIndexOf('/');
        return new ShardPosition(text[..slash], long.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Pins the partition's newest committed snapshot; one that a commit replaces meanwhile gives way to the new one.</summary>
    private static async Task<long> PinNewestAsync(DynamoDBSnapshotFence fence, SnapshotPointer pointer, string name, CancellationToken cancellationToken)
    {
        var snapshotId = pointer.LatestSnapshotId;
        for (var attempt = 0; ; attempt++)
        {
            if (await fence.PinAsync(pointer.PartitionId, name, snapshotId, cancellationToken))
            {
                return snapshotId;
            }

            if (attempt == 4)
            {
                throw CliException.Runtime($"Partition {pointer.PartitionId} commits snapshots faster than its newest can be pinned: try again.");
            }

            snapshotId = (await fence.ReadAsync(pointer.PartitionId, cancellationToken))?.LatestSnapshotId ?? snapshotId;
        }
    }

    /// <summary>Every state's partitions 0..P-1 have a committed snapshot: a savepoint must cover the whole application.</summary>
    private void CheckComplete(ApplicationTables app, IReadOnlyList<SnapshotPointer> pointers)
    {
        var states = pointers.Select(p => ApplicationTables.StateOf(p.PartitionId)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (states.Count == 0)
        {
            throw CliException.Runtime($"No partition of application '{application}' has a committed snapshot yet: take the savepoint after its first checkpoint.");
        }

        var committed = pointers.Where(p => p.LatestSnapshotId > 0).Select(p => p.PartitionId).ToHashSet(StringComparer.Ordinal);
        foreach (var state in states)
        {
            for (var partition = 0; partition < app.PartitionCount; partition++)
            {
                var id = PartitionStateStores.PartitionIdOf(state, partition);
                if (!committed.Contains(id))
                {
                    throw CliException.Runtime($"Partition {id} has no committed snapshot yet: take the savepoint after the application's next checkpoint (every partition commits one at each barrier).");
                }
            }
        }
    }

    private async Task<SavepointDescriptor?> ReadAsync(ApplicationTables app, string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(app.Bucket, KeyOf(app, name), cancellationToken);
            return await JsonSerializer.DeserializeAsync(response.ResponseStream, SavepointJsonContext.Default.SavepointDescriptor, cancellationToken);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string KeyOf(ApplicationTables app, string name) => $"{SnapshotLocation.Savepoints(app.Prefix)}{name}.json";

}

/// <summary>What a restore did.</summary>
/// <param name="ChildrenReset">Shards born after the savepoint, set to read from their beginning.</param>
/// <param name="PartitionsNotInSavepoint">Partitions of states added after the savepoint: they keep their state.</param>
/// <param name="RescaledTo">The application's partition count, when the savepoint was taken with another one and cut into it.</param>
internal sealed record SavepointRestore(SavepointDescriptor Savepoint, IReadOnlyList<string> ChildrenReset, IReadOnlyList<string> PartitionsNotInSavepoint, int? RescaledTo = null);
