using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Savepoints;

/// <summary>
/// An application as the operations on its stored state find it, without a silo: its lease table (facts, stream
/// incarnation, leases), its snapshot pointers and its snapshots in S3. Savepoints and rescales open it, and change it
/// only while no silo runs (<see cref="EnsureStoppedAsync"/>).
/// </summary>
internal sealed record ApplicationTables(
    string Application, ShardLeaseTable Leases, StreamIdentity Stream, int PartitionCount, string Bucket, string Prefix, DynamoDBSnapshotFence Fence, S3SnapshotStore Snapshots)
{
    /// <summary>A sole-silo claim renewed within this is a running silo (SoleSiloClaim.Lapse: three missed renewals).</summary>
    public static readonly TimeSpan ClaimLapse = TimeSpan.FromSeconds(30);

    /// <summary>The state a partition id names ("{state}.p-00003"); null for another row.</summary>
    public static string? StateOf(string partitionId) =>
        partitionId.LastIndexOf(".p-", StringComparison.Ordinal) is var at and > 0 ? partitionId[..at] : null;

    /// <summary>The application as its lease table records it: facts, stream incarnation, and where its snapshots are.</summary>
    public static async Task<ApplicationTables> OpenAsync(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application, CancellationToken cancellationToken)
    {
        var leases = new ShardLeaseTable(dynamo, application);
        IReadOnlyDictionary<string, string>? facts;
        StreamIdentity? stream;
        string? incarnation;
        try
        {
            facts = await leases.GetApplicationFactsAsync(cancellationToken);
            stream = await leases.GetStreamIdentityAsync(cancellationToken);
            incarnation = stream is null ? null : ShardLeaseTable.IncarnationOf(stream, await leases.GetStateGenerationAsync(cancellationToken));
        }
        catch (ResourceNotFoundException)
        {
            (facts, stream, incarnation) = (null, null, null);
        }

        if (facts is null || stream is null || incarnation is null)
        {
            throw CliException.Runtime($"Application '{application}' has never started: its lease table '{application}' records no facts and no stream.");
        }

        if (!facts.TryGetValue(ApplicationRecord.SnapshotBucketFact, out var bucket) || bucket == ApplicationRecord.NoBucket)
        {
            throw CliException.Runtime($"Application '{application}' runs without S3 snapshots (Snapshots:Bucket): a savepoint pins snapshots, so it needs them.");
        }

        // An application recorded before the prefix was a fact used the silos' default, as the state export assumes.
        var prefix = SnapshotLocation.Prefix(facts.GetValueOrDefault(ApplicationRecord.SnapshotPrefixFact) ?? new S3SnapshotOptions().Prefix, application, incarnation);
        var fence = new DynamoDBSnapshotFence(dynamo, new DynamoDBSnapshotFenceOptions
        {
            TableName = SnapshotLocation.FenceTable(application),
            KeyPrefix = SnapshotLocation.FenceKeyPrefix(bucket, prefix),
            CreateIfNotExists = false,
        });
        var snapshots = new S3SnapshotStore(new S3SnapshotOptions { Bucket = bucket, Prefix = prefix }, s3);
        return new ApplicationTables(application, leases, stream, int.Parse(facts[ApplicationRecord.PartitionCountFact], CultureInfo.InvariantCulture), bucket, prefix, fence, snapshots);
    }

    /// <summary>
    /// At a glance, without waiting, whether a silo runs the application: what shows it (a sole-silo claim renewed lately,
    /// or a shard lease with an owner), or null. A silo that stops gracefully releases its leases; one that crashed leaves
    /// them owned until another takes them, so an owned lease may also be a dead silo's.
    /// </summary>
    public async Task<string?> RunningSiloAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        if (await Leases.GetSiloClaimAsync(cancellationToken) is { } claim && !claim.HasLapsed(time.GetUtcNow(), ClaimLapse))
        {
            return $"silo '{claim.SiloId}' renewed its claim {Math.Max(0, (time.GetUtcNow() - claim.Heartbeat).TotalSeconds):F0} s ago";
        }

        return (await Leases.ListAsync(cancellationToken)).FirstOrDefault(l => l.LeaseOwner is not null) is { } owned
            ? $"'{owned.LeaseOwner}' holds shard {owned.LeaseKey}'s lease"
            : null;
    }

    /// <summary>
    /// For an operation on a running application (a live reset): refuses unless its input is paused. The caller waited
    /// for the silos to hand their shard leases back (<see cref="Pausing.ApplicationPause.PauseAsync"/>): then nothing
    /// reads, and a silo's lease writes of a shard that a paused silo still took would fail the operation's.
    /// </summary>
    public async Task EnsurePausedAsync(string operation, CancellationToken cancellationToken)
    {
        if (await Leases.GetPausedSinceAsync(cancellationToken) is null)
        {
            throw CliException.Runtime($"Application '{Application}' is not paused: pause it ('kgrains pause') before {operation} while its silos run.");
        }
    }

    /// <summary>Refuses while a silo runs: a sole-silo claim renewed lately, or shard leases renewed while watched.</summary>
    /// <param name="operation">What waits for the silos to stop, for the message ("restoring a savepoint").</param>
    public async Task EnsureStoppedAsync(string operation, TimeProvider time, TimeSpan leaseFailoverTime, CancellationToken cancellationToken)
    {
        if (await Leases.GetSiloClaimAsync(cancellationToken) is { } claim && !claim.HasLapsed(time.GetUtcNow(), ClaimLapse))
        {
            throw CliException.Runtime(
                $"Silo '{claim.SiloId}' runs application '{Application}' (it renewed its claim {Math.Max(0, (time.GetUtcNow() - claim.Heartbeat).TotalSeconds):F0} s ago): "
                + $"stop every silo of the application before {operation}.");
        }

        // A silo that stops releases its leases; one still owned is either a running silo or one that died.
        var owned = (await Leases.ListAsync(cancellationToken)).Where(l => l.LeaseOwner is not null).ToList();
        if (owned.Count == 0)
        {
            return;
        }

        // Refused at the first renewal: a running application is told in a second or two, a crashed one waits it out.
        var counters = owned.ToDictionary(l => l.LeaseKey, l => l.LeaseCounter, StringComparer.Ordinal);
        var (renewed, _) = await LeaseRenewalWatch.WatchAsync(
            Leases, l => l.LeaseOwner is not null && counters.TryGetValue(l.LeaseKey, out var counter) && l.LeaseCounter != counter, leaseFailoverTime, time, cancellationToken);
        if (renewed is not null)
        {
            throw CliException.Runtime(
                $"Shard {renewed.LeaseKey}'s lease is held by '{renewed.LeaseOwner}', which renewed it within the last {leaseFailoverTime.TotalSeconds:F0} s: "
                + $"stop every silo of the application before {operation}.");
        }
    }
}
