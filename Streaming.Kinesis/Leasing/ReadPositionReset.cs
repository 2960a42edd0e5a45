using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// <c>kgrains reset --clear-state</c>: moves the read position of a stopped application's shards (all, or one) to
/// TRIM_HORIZON, LATEST or AT_TIMESTAMP, and starts its state afresh. The state generation is bumped first (silos then
/// open new local stores, snapshot prefixes and pointer rows, and delete local folders of earlier generations), then
/// each reset shard's checkpoint becomes the sentinel and its origin, and every other shard's current checkpoint
/// becomes its origin (as adoption does): the new state owes nothing before any of them.
/// </summary>
/// <remarks>
/// Refused while a silo runs the application: a Localhost silo's claim renewed within its lapse, or a shard lease whose
/// counter moves within the lease failover time. While it works, the reset holds the sole-silo claim itself, so a
/// Localhost silo starting meanwhile is refused; every lease write is conditional on the lease read, so a silo of
/// another clustering that starts meanwhile makes the reset fail with a sentence (run it again once it is stopped).
/// </remarks>
internal static class ReadPositionReset
{
    /// <summary>Who holds the sole-silo claim while a reset runs (as the silo's refusal names it).</summary>
    public const string ClaimHolder = "kgrains-reset";

    /// <summary>A Localhost silo's claim not renewed for this long is abandoned (the silo's own rule, SoleSiloClaim.Lapse).</summary>
    public static readonly TimeSpan ClaimLapse = TimeSpan.FromSeconds(30);

    /// <param name="position">TRIM_HORIZON, LATEST (the records put after the reset: written as AT_TIMESTAMP at its time) or AT_TIMESTAMP.</param>
    /// <param name="timestamp">With AT_TIMESTAMP: the time; the first record that arrived at or after it is read first.</param>
    /// <param name="shardId">Only this shard's position moves; null: every shard's.</param>
    /// <param name="leaseFailoverTime">The silos' Kinesis:LeaseFailoverTime: a lease whose counter does not move for this long has no live owner.</param>
    /// <exception cref="ApplicationRunningException">A silo runs the application.</exception>
    /// <exception cref="InvalidOperationException">There is nothing to reset (no lease table, no such shard), or a silo started meanwhile.</exception>
    public static async Task<ReadPositionResetResult> RunAsync(
        IAmazonDynamoDB dynamo,
        string applicationName,
        string position,
        DateTimeOffset? timestamp,
        string? shardId,
        TimeSpan leaseFailoverTime,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (position is not (SentinelCheckpoint.TrimHorizon or SentinelCheckpoint.Latest or SentinelCheckpoint.AtTimestamp))
        {
            throw new ArgumentException($"The position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, not '{position}'.", nameof(position));
        }

        if ((position == SentinelCheckpoint.AtTimestamp) != timestamp.HasValue)
        {
            throw new ArgumentException("A timestamp goes with AT_TIMESTAMP, and only with it.", nameof(timestamp));
        }

        var leases = new ShardLeaseTable(dynamo, applicationName);
        try
        {
            await dynamo.DescribeTableAsync(leases.TableName, cancellationToken);
        }
        catch (ResourceNotFoundException)
        {
            throw new InvalidOperationException(
                $"Application '{applicationName}' has no lease table in DynamoDB: no silo ever started it, so there is no read position to reset (check --application and --dynamodb-url).");
        }

        var now = time.GetUtcNow();
        if (await leases.ClaimSoleSiloAsync(ClaimHolder, now, ClaimLapse, cancellationToken) is { } holder)
        {
            throw new ApplicationRunningException(
                $"Silo '{holder.SiloId}' runs application '{applicationName}' (its claim in lease table '{leases.TableName}' was renewed {Math.Max(0, (now - holder.Heartbeat).TotalSeconds):F0} s ago): " +
                $"stop it and run reset again (a silo that crashed lets go after {ClaimLapse.TotalSeconds:F0} s); or reset it running, at a barrier, with --live.");
        }

        try
        {
            var listed = await WaitForIdleLeasesAsync(leases, applicationName, leaseFailoverTime, time, cancellationToken);
            if (shardId is not null && listed.All(l => l.LeaseKey != shardId))
            {
                throw new InvalidOperationException(
                    $"Application '{applicationName}' has no lease for shard '{shardId}' (its leases: {string.Join(", ", listed.Select(l => l.LeaseKey).Order(StringComparer.Ordinal))}).");
            }

            // The generation first: were the reset to stop half-way, new silos open empty state over old checkpoints,
            // which is consistent (partitions refuse, and the shards are read again from their origins), while reset
            // checkpoints over kept state would be neither what was asked for nor what was there.
            var generation = await leases.BumpStateGenerationAsync(cancellationToken) ?? 0;

            // LATEST means the records put after the reset, not after the silos start again: a reader that starts at
            // LATEST later skips what arrived while the application was down. So it is written as the time of the reset.
            var (written, at) = position == SentinelCheckpoint.Latest ? (SentinelCheckpoint.AtTimestamp, time.GetUtcNow()) : (position, timestamp);
            var reset = new List<string>();
            var kept = new List<string>();
            foreach (var lease in listed.OrderBy(l => l.LeaseKey, StringComparer.Ordinal))
            {
                // An ended shard has nothing after LATEST: it stays ended, owing nothing.
                var moves = (shardId is null || lease.LeaseKey == shardId) && !(position == SentinelCheckpoint.Latest && lease.IsShardEnd);
                try
                {
                    if (moves)
                    {
                        await leases.ResetPositionAsync(lease, written, at, cancellationToken);
                        reset.Add(lease.LeaseKey);
                    }
                    else
                    {
                        await leases.ReoriginAsync(lease, cancellationToken);
                        kept.Add(lease.LeaseKey);
                    }
                }
                catch (LeaseLostException)
                {
                    throw new InvalidOperationException(
                        $"Shard lease '{lease.LeaseKey}' of application '{applicationName}' changed while the reset ran: a silo started meanwhile; stop it and run reset again.");
                }
            }

            return new ReadPositionResetResult(reset, kept, generation, at);
        }
        finally
        {
            await leases.ReleaseSoleSiloAsync(ClaimHolder, CancellationToken.None);
        }
    }

    /// <summary>
    /// The leases, once none has a live owner: a lease without an owner is free (a silo that stops gives its leases
    /// up); one with an owner is watched for the failover time, and a counter that moves meanwhile is a silo renewing it.
    /// </summary>
    private static async Task<IReadOnlyList<ShardLease>> WaitForIdleLeasesAsync(
        ShardLeaseTable leases, string applicationName, TimeSpan leaseFailoverTime, TimeProvider time, CancellationToken cancellationToken)
    {
        var first = await leases.ListAsync(cancellationToken);
        if (first.All(l => l.LeaseOwner is null))
        {
            return first;
        }

        var seen = first.ToDictionary(l => l.LeaseKey, l => l.LeaseCounter, StringComparer.Ordinal);
        var (moved, now) = await LeaseRenewalWatch.WatchAsync(
            leases, l => !seen.TryGetValue(l.LeaseKey, out var counter) || counter != l.LeaseCounter, leaseFailoverTime, time, cancellationToken);
        if (moved is not null)
        {
            throw new ApplicationRunningException(
                $"Shard lease '{moved.LeaseKey}' of application '{applicationName}' is held by silo '{moved.LeaseOwner ?? "(none)"}', which renews it: " +
                "stop the application's silos and run reset again; or reset it running, at a barrier, with --live.");
        }

        // Owned, but not renewed for the failover time: their silos are gone.
        return now;
    }
}
