using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.S3;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Cli.Savepoints;
using KinesisGrains.KeyedState.Rescaling;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Rescaling;

/// <summary>
/// Changes the partition count of a stopped application. Each state's newest committed snapshots (one per old
/// partition) are downloaded and cut into the new partitions' stores (<see cref="PartitionRescaler"/>), which are
/// uploaded as new snapshots; then, in a second step, each new partition's pointer is set to its snapshot and the
/// partition count fact changes. From before the first upload to the end the lease table records the rescale as
/// pending and no silo starts; killed in the first step, nothing switched (running any rescale again begins anew, and
/// one to the count the application has gives it up); killed in the second, running it again finishes it. Never half.
/// Shard checkpoints do not move: every new partition holds each shard at least up to them.
/// </summary>
internal sealed class ApplicationRescaler(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application)
{
    /// <summary>How long a rescale watches shard leases that still have an owner: one renewed meanwhile is a running silo.</summary>
    public TimeSpan LeaseFailoverTime { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The application runs, paused (a live reset or rescale): its input is paused and its silos handed their shard
    /// leases back, so the sole-silo claim and the leases' renewals are not asked about.
    /// </summary>
    public bool Live { get; init; }

    /// <summary>Where the snapshots are cut; a folder of its own under the system's temp folder by default.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Rescales to <paramref name="partitionCount"/> partitions, or finishes a pending rescale to it.</summary>
    public async Task<RescaleReport> RescaleAsync(int partitionCount, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        await EnsureStoppedAsync(app, "rescaling it", cancellationToken);
        PendingRescale? interrupted = null;
        if (await PendingOfAsync(app, cancellationToken, dropped => interrupted = dropped) is { } pending)
        {
            if (pending.To != partitionCount)
            {
                throw CliException.Runtime(
                    $"Application '{application}' has an unfinished rescale from {pending.From} to {pending.To} partitions: finish it first ('kgrains rescale --partitions {pending.To}'), then rescale again.");
            }

            await FinishAsync(app, pending, cancellationToken);
            return new RescaleReport(pending.From, pending.To, [], Finished: true, Stopwatch.GetElapsedTime(started));
        }

        if (partitionCount == app.PartitionCount)
        {
            if (interrupted is not null)
            {
                // The rescale that was interrupted before it switched anything is given up.
                return new RescaleReport(interrupted.From, interrupted.To, [], Finished: false, Stopwatch.GetElapsedTime(started)) { GivenUp = true };
            }

            throw CliException.Runtime($"Application '{application}' has {partitionCount} partitions already.");
        }

        var reports = await SwitchAsync(app, new PendingRescale(app.PartitionCount, partitionCount, Preparing), forgetShards: null, cancellationToken);
        return new RescaleReport(app.PartitionCount, partitionCount, reports, Finished: false, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Moves the read position of a stopped application's shards (all, or <paramref name="shardId"/>) and keeps its
    /// state: every partition forgets what it held of those shards (marks, coverage), so their records from the new
    /// position are applied again on top of the state. The same two steps as a rescale (new snapshots, then pointers
    /// and checkpoints), at the application's own partition count.
    /// </summary>
    /// <param name="position">TRIM_HORIZON, LATEST (written as AT_TIMESTAMP at this time) or AT_TIMESTAMP.</param>
    public async Task<KeepStateReset> ResetKeepingStateAsync(string position, DateTimeOffset? timestamp, string? shardId, CancellationToken cancellationToken)
    {
        var reset = await BeginResetAsync(position, timestamp, shardId, cancellationToken);
        if (reset.Finished is { } finished)
        {
            return finished;
        }

        await SwitchAsync(
            reset.App,
            new PendingRescale(reset.App.PartitionCount, reset.App.PartitionCount, Preparing) { ResetShards = reset.Shards, Position = reset.Position, Timestamp = reset.Timestamp, ResumesInput = Live },
            reset.Shards.ToHashSet(StringComparer.Ordinal),
            cancellationToken);
        return new KeepStateReset(reset.Shards, reset.Position, reset.Timestamp, Finished: false);
    }

    /// <summary>
    /// Moves the read position of a paused application's shards (all, or <paramref name="shardId"/>) and clears its
    /// state without bumping the state generation, which running silos opened their stores under: every partition's
    /// snapshot pointer is set to none (which fences any activation still holding the old state), the reset shards'
    /// checkpoints become the position and their origin, and every other shard's checkpoint becomes its origin. Recorded
    /// as pending first, so running it again finishes an interrupted one.
    /// </summary>
    public async Task<KeepStateReset> ResetClearingStateAsync(string position, DateTimeOffset? timestamp, string? shardId, CancellationToken cancellationToken)
    {
        var reset = await BeginResetAsync(position, timestamp, shardId, cancellationToken);
        if (reset.Finished is { } finished)
        {
            return finished;
        }

        var pointers = await reset.App.Fence.ListAsync(cancellationToken);
        var plan = new PendingRescale(reset.App.PartitionCount, reset.App.PartitionCount, pointers.ToDictionary(p => p.PartitionId, _ => 0L, StringComparer.Ordinal))
        {
            ResetShards = reset.Shards,
            Position = reset.Position,
            Timestamp = reset.Timestamp,
            ReoriginShards = [.. reset.Leases.Select(l => l.LeaseKey).Except(reset.Shards, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            ResumesInput = Live,
        };
        await reset.App.Leases.SetPendingRescaleAsync(plan.ToJson(), cancellationToken);
        await FinishAsync(reset.App, plan, cancellationToken);
        return new KeepStateReset(reset.Shards, reset.Position, reset.Timestamp, Finished: false);
    }

    /// <summary>
    /// A reset's start, whichever the state's fate: an interrupted reset is finished first (<see cref="ResetStart.Finished"/>);
    /// else the shards it moves (all, or <paramref name="shardId"/>) and the position written for them.
    /// </summary>
    private async Task<ResetStart> BeginResetAsync(string position, DateTimeOffset? timestamp, string? shardId, CancellationToken cancellationToken)
    {
        var app = await ApplicationTables.OpenAsync(dynamo, s3, application, cancellationToken);
        await EnsureStoppedAsync(app, "resetting it", cancellationToken);
        if (await PendingOfAsync(app, cancellationToken) is { } pending)
        {
            if (pending.ResetShards is null)
            {
                throw CliException.Runtime($"Application '{application}' has an unfinished rescale to {pending.To} partitions: finish it first ('kgrains rescale --partitions {pending.To}'), then reset.");
            }

            await FinishAsync(app, pending, cancellationToken);
            return new ResetStart(app, new KeepStateReset(pending.ResetShards, pending.Position!, pending.Timestamp, Finished: true), [], [], pending.Position!, pending.Timestamp);
        }

        var leases = await app.Leases.ListAsync(cancellationToken);
        if (shardId is not null && leases.All(l => l.LeaseKey != shardId))
        {
            throw CliException.Runtime($"Application '{application}' has no lease for shard '{shardId}' (its leases: {string.Join(", ", leases.Select(l => l.LeaseKey).Order(StringComparer.Ordinal))}).");
        }

        // LATEST means the records put after the reset, not after the silos start again (as reset --clear-state writes it).
        var (written, at) = position == SentinelCheckpoint.Latest ? (SentinelCheckpoint.AtTimestamp, Time.GetUtcNow()) : (position, timestamp);
        var shards = leases
            .Where(l => (shardId is null || l.LeaseKey == shardId) && !(position == SentinelCheckpoint.Latest && l.IsShardEnd))
            .Select(l => l.LeaseKey)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new ResetStart(app, null, leases, shards, written, at);
    }

    /// <param name="Finished">An interrupted reset this run finished instead; the other members then say nothing.</param>
    private sealed record ResetStart(ApplicationTables App, KeepStateReset? Finished, IReadOnlyList<ShardLease> Leases, IReadOnlyList<string> Shards, string Position, DateTimeOffset? Timestamp);

    private Task EnsureStoppedAsync(ApplicationTables app, string operation, CancellationToken cancellationToken) =>
        Live ? app.EnsurePausedAsync(operation, cancellationToken) : app.EnsureStoppedAsync(operation, Time, LeaseFailoverTime, cancellationToken);

    /// <summary>A pending record with no snapshots yet: the first step is under way (or was interrupted), nothing switched.</summary>
    private static readonly IReadOnlyDictionary<string, long> Preparing = new Dictionary<string, long>();

    /// <summary>
    /// The operation to finish: one whose first step was interrupted switched nothing, so it is dropped and the caller
    /// begins its own (the same again, another, or none: a rescale to the count the application has gives it up).
    /// </summary>
    private static async Task<PendingRescale?> PendingOfAsync(ApplicationTables app, CancellationToken cancellationToken, Action<PendingRescale>? dropped = null)
    {
        if (await app.Leases.GetPendingRescaleAsync(cancellationToken) is not { } recorded)
        {
            return null;
        }

        var pending = PendingRescale.FromJson(recorded);
        if (pending.Snapshots.Count > 0)
        {
            return pending;
        }

        await app.Leases.ClearPendingRescaleAsync(cancellationToken);
        dropped?.Invoke(pending);
        return null;
    }

    /// <summary>
    /// Both steps of <paramref name="plan"/> (its snapshots still <see cref="Preparing"/>): recorded as pending before the
    /// first upload, so no silo starts while the new snapshots are cut (nothing switches yet); recorded again with them;
    /// then switched.
    /// </summary>
    private async Task<List<StateRescaleReport>> SwitchAsync(ApplicationTables app, PendingRescale plan, IReadOnlySet<string>? forgetShards, CancellationToken cancellationToken)
    {
        await app.Leases.SetPendingRescaleAsync(plan.ToJson(), cancellationToken);
        List<StateRescaleReport> reports;
        Dictionary<string, long> snapshots;
        try
        {
            (snapshots, reports) = await PrepareAsync(app, plan.To, forgetShards, cancellationToken);
        }
        catch (CliException refused) when (refused.InnerException is RescaleRefusedException)
        {
            // Nothing switched, so nothing is left to finish: a pending record would keep the silos from starting (and
            // a live run from resuming the input) until a run that can only be refused again.
            await app.Leases.ClearPendingRescaleAsync(cancellationToken);
            throw;
        }

        var prepared = plan with { Snapshots = snapshots };
        await app.Leases.SetPendingRescaleAsync(prepared.ToJson(), cancellationToken);
        await FinishAsync(app, prepared, cancellationToken);
        return reports;
    }

    /// <summary>The first step: every state's newest snapshots cut into <paramref name="partitionCount"/> partitions' and uploaded, not committed.</summary>
    private async Task<(Dictionary<string, long> Snapshots, List<StateRescaleReport> Reports)> PrepareAsync(
        ApplicationTables app, int partitionCount, IReadOnlySet<string>? forgetShards, CancellationToken cancellationToken)
    {
        var pointers = (await app.Fence.ListAsync(cancellationToken)).ToDictionary(p => p.PartitionId, StringComparer.Ordinal);
        var states = pointers.Keys.Select(ApplicationTables.StateOf).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (states.Count == 0)
        {
            throw CliException.Runtime($"No partition of application '{application}' has a committed snapshot yet: there is no state to carry over before its first checkpoint.");
        }

        var work = WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"kgrains-rescale-{Guid.NewGuid():N}");
        var snapshots = new Dictionary<string, long>(StringComparer.Ordinal);
        var reports = new List<StateRescaleReport>();
        try
        {
            foreach (var state in states)
            {
                reports.Add(await CutAsync(app, state, pointers, partitionCount, Path.Combine(work, state), snapshots, forgetShards, cancellationToken));
            }
        }
        finally
        {
            DeleteDirectory(work);
        }

        return (snapshots, reports);
    }

    /// <summary>Cuts one state's old partitions' newest snapshots into the new partitions' and uploads them (not committed).</summary>
    private static async Task<StateRescaleReport> CutAsync(
        ApplicationTables app, string state, IReadOnlyDictionary<string, SnapshotPointer> pointers, int partitionCount, string work,
        Dictionary<string, long> snapshots, IReadOnlySet<string>? forgetShards, CancellationToken cancellationToken)
    {
        var sources = new List<SnapshotManifest>();
        for (var partition = 0; partition < app.PartitionCount; partition++)
        {
            var id = PartitionStateStores.PartitionIdOf(state, partition);

            // Its writer first, then its newest snapshot: an activation still deactivating on a running silo (a live
            // hand-over that outlasted its wait) can no longer commit a newer one and prune this one while it is read.
            // It holds nothing newer: the pause's final checkpoints made every partition's state durable.
            var pointer = pointers.ContainsKey(id) ? await app.Fence.AcquireAsync(id, cancellationToken) : null;
            if (pointer is null || pointer.LatestSnapshotId == 0)
            {
                throw CliException.Runtime($"Partition {id} has no committed snapshot: rescale after the application's next checkpoint (every partition commits one at each barrier).");
            }

            sources.Add(await app.Snapshots.GetManifestAsync(id, pointer.LatestSnapshotId, cancellationToken)
                ?? throw CliException.Runtime($"Snapshot {pointer.LatestSnapshotId} of partition {id} is committed, but its manifest is missing from s3://{app.Bucket}/{app.Prefix}: nothing was changed."));
        }

        SnapshotCut cut;
        try
        {
            cut = await SnapshotRescale.CutAsync(app.Snapshots, state, sources, partitionCount, work, cancellationToken, forgetShards);
        }
        catch (RescaleRefusedException refused)
        {
            throw CliException.Runtime($"{refused.Message} Nothing was changed.", refused);
        }

        // A few partitions at a time: each new store is a handful of files, too few to keep S3 busy one partition at a time.
        var uploaded = new long[partitionCount];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, partitionCount),
            new ParallelOptions { MaxDegreeOfParallelism = SnapshotRescale.ConcurrentTransfers, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                // The partition's writer from here: a silo that still held it (none should) can no longer commit.
                var id = PartitionStateStores.PartitionIdOf(state, partition);
                var snapshotId = await ReserveSnapshotIdAsync(app, id, token);
                await app.Snapshots.UploadAsync(id, cut.Checkpoints[partition], snapshotId, cut.Metadata[partition], token);
                uploaded[partition] = snapshotId;
                CrashPoints.Reach(CrashPoints.RescaleAfterUpload);
            });
        for (var partition = 0; partition < partitionCount; partition++)
        {
            snapshots[PartitionStateStores.PartitionIdOf(state, partition)] = uploaded[partition];
        }

        return new StateRescaleReport(state, cut.Result.PartitionsCutByRange, cut.Result.KeysCopied, cut.Result.PartitionsWithFloors, cut.Result.PartitionsMergingParts, cut.SourceBytes);
    }

    /// <summary>
    /// Becomes <paramref name="partitionId"/>'s snapshot writer and reserves the id of the snapshot it uploads next. A
    /// query that wakes the partition on a paused, running application (a live rescale or reset) takes the writer back
    /// in between; it restored the old snapshot and is fenced by the switch, so the reservation is simply tried again.
    /// </summary>
    private static async Task<long> ReserveSnapshotIdAsync(ApplicationTables app, string partitionId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var pointer = await app.Fence.AcquireAsync(partitionId, cancellationToken);
            var listed = await app.Snapshots.ListSnapshotIdsAsync(partitionId, cancellationToken);
            try
            {
                return await app.Fence.ReserveIdAsync(partitionId, pointer.WriterToken, listed.Count > 0 ? listed[^1] : 0, cancellationToken);
            }
            catch (SnapshotFencedException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>The second step, safe to repeat: each new partition restores its cut snapshot next, then the count changes.</summary>
    private static async Task FinishAsync(ApplicationTables app, PendingRescale pending, CancellationToken cancellationToken)
    {
        foreach (var (partitionId, snapshotId) in pending.Snapshots.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            // Older snapshots are of another partition count (or the state a reset cleared, snapshot 0): none of them may
            // be restored as a fallback.
            await app.Fence.ResetLatestAsync(partitionId, snapshotId, snapshotId == 0 ? [] : [snapshotId], cancellationToken);
            CrashPoints.Reach(CrashPoints.RescaleAfterPointer);
        }

        foreach (var shardId in pending.ResetShards ?? [])
        {
            // The partitions forgot these shards: they are read from their new position (and origin) again.
            var lease = await app.Leases.GetAsync(shardId, cancellationToken)
                ?? throw CliException.Runtime($"Shard {shardId}'s lease is gone from table '{app.Application}': the reset cannot be finished.");
            await app.Leases.ResetPositionAsync(lease, pending.Position!, pending.Timestamp, cancellationToken);
        }

        foreach (var shardId in pending.ReoriginShards ?? [])
        {
            // The state starts empty: it owes nothing before these shards' checkpoints (as adoption at a first start).
            if (await app.Leases.GetAsync(shardId, cancellationToken) is { } lease)
            {
                await app.Leases.ReoriginAsync(lease, cancellationToken);
            }
        }

        await app.Leases.CompleteRescaleAsync(pending.To, cancellationToken, resume: pending.ResumesInput);
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A temp folder left behind is not worth failing a finished rescale for.
        }
    }
}

/// <summary>What a reset that keeps the state did.</summary>
/// <param name="Shards">The shards read from <paramref name="Position"/> again.</param>
/// <param name="Finished">True when the call finished an earlier, interrupted one.</param>
internal sealed record KeepStateReset(IReadOnlyList<string> Shards, string Position, DateTimeOffset? Timestamp, bool Finished);

/// <summary>What a rescale did.</summary>
/// <param name="Finished">True when the call finished an earlier, interrupted rescale (its states are not reported again).</param>
internal sealed record RescaleReport(int From, int To, IReadOnlyList<StateRescaleReport> States, bool Finished, TimeSpan Elapsed)
{
    /// <summary>True when the call gave up a rescale interrupted before it switched anything (asked for the count the application has).</summary>
    public bool GivenUp { get; init; }
}

/// <summary>One state's part of a rescale.</summary>
/// <param name="PartitionsWithFloors">New partitions made of parts held to different points (each part keeps its own until passed).</param>
/// <param name="PartitionsMergingParts">New partitions given several parts of a key (a spread state rescaled down), merged when they open.</param>
/// <param name="SnapshotBytes">The old partitions' snapshots' size.</param>
/// <param name="PartitionsCutByRange">New partitions made from a copy of an old one's store, cut to their key groups by range.</param>
/// <param name="KeysCopied">Keys read and written one by one (from other old stores, or all of a spread state's).</param>
internal sealed record StateRescaleReport(string State, int PartitionsCutByRange, long KeysCopied, int PartitionsWithFloors, int PartitionsMergingParts, long SnapshotBytes);
