using Amazon.DynamoDBv2.Model;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Pausing;

/// <summary>
/// Pauses and resumes a running application's input through its lease table: the pause is a fact on the facts row
/// that every silo reads at each pass of its shard sync (<c>Kinesis:ShardFetchInterval</c>). While it stands, no silo
/// takes a shard lease, and each hands back the ones it holds after a final checkpoint, as at a graceful stop; a silo
/// that starts meanwhile reads nothing. Queries are still answered. The pause outlives the command: a command killed
/// midway leaves the application paused, and <c>kgrains resume</c> (or pausing again) is always safe.
/// </summary>
internal sealed class ApplicationPause(ShardLeaseTable leases, string application)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long no lease may be held before the pause counts as reached: a silo that read the facts just before the
    /// pause was recorded may still take a lease right after (the read comes right before its takes).
    /// </summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A lease a silo holds (an ended shard's, read to its end, is not read any more).</summary>
    public static bool IsHeld(ShardLease lease) => lease.LeaseOwner is not null && !lease.IsShardEnd;

    /// <summary>Records the pause (a pause recorded already keeps its time) and waits until no silo holds a shard's lease.</summary>
    /// <param name="timeout">How long the silos may take to hand their leases back (their final checkpoints).</param>
    /// <param name="leaseFailoverTime">The silos' Kinesis:LeaseFailoverTime: a lease whose owner does not renew it for this long is a crashed silo's.</param>
    public async Task<PauseReport> PauseAsync(TimeSpan timeout, TimeSpan leaseFailoverTime, CancellationToken cancellationToken)
    {
        var started = Time.GetUtcNow();
        try
        {
            await leases.PauseAsync(started, cancellationToken);
        }
        catch (Exception exception) when (exception is ResourceNotFoundException or ConditionalCheckFailedException)
        {
            throw CliException.Runtime($"Application '{application}' has never started: its lease table '{leases.TableName}' records no facts (check --application and --dynamodb-endpoint).");
        }

        var since = await leases.GetPausedSinceAsync(cancellationToken) ?? started;
        var seen = new Dictionary<string, (long Counter, DateTimeOffset At)>(StringComparer.Ordinal);
        var handedBack = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? idleSince = null;
        while (true)
        {
            var now = Time.GetUtcNow();
            var held = new List<ShardLease>();
            foreach (var lease in (await leases.ListAsync(cancellationToken)).Where(IsHeld))
            {
                // A crashed silo's lease stays owned, unrenewed: held only until its counter stood still for the failover time.
                if (!seen.TryGetValue(lease.LeaseKey, out var first) || first.Counter != lease.LeaseCounter)
                {
                    seen[lease.LeaseKey] = (lease.LeaseCounter, now);
                    held.Add(lease);
                }
                else if (now - first.At < leaseFailoverTime)
                {
                    held.Add(lease);
                }
            }

            handedBack.UnionWith(seen.Keys.Where(k => held.All(l => l.LeaseKey != k)));
            if (held.Count > 0)
            {
                idleSince = null;
            }
            else if ((idleSince ??= now) + Settle <= now)
            {
                return new PauseReport(since, since < started, handedBack.Count, now - started);
            }

            if (held.Count > 0 && now - started > timeout)
            {
                var owner = held[0];
                throw CliException.Runtime(
                    $"Application '{application}' is paused, but '{owner.LeaseOwner}' still holds shard {owner.LeaseKey}'s lease after {timeout.TotalSeconds:F0} s (its final checkpoint): "
                    + "the pause stays recorded and no silo takes a lease; run 'kgrains pause' again to wait longer, or 'kgrains resume' to give it up.");
            }

            await Task.Delay(PollInterval, Time, cancellationToken);
        }
    }

    /// <summary>Ends the pause; refused while a reset or rescale is unfinished (its partitions' state is half switched).</summary>
    /// <returns>Since when it was paused; null when it was not.</returns>
    public async Task<DateTimeOffset?> ResumeAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? since;
        try
        {
            since = await leases.GetPausedSinceAsync(cancellationToken);
        }
        catch (ResourceNotFoundException)
        {
            throw CliException.Runtime($"Application '{application}' has never started: it has no lease table '{leases.TableName}' (check --application and --dynamodb-endpoint).");
        }

        if (since is null)
        {
            return null;
        }

        if (await leases.GetPendingRescaleAsync(cancellationToken) is { } pending)
        {
            throw CliException.Runtime(
                $"Application '{application}' has an unfinished reset or rescale ({pending}): run the same 'kgrains reset --live' (or 'kgrains rescale') again to finish it; it resumes the input when done.");
        }

        await leases.ResumeAsync(cancellationToken);
        return since;
    }
}

/// <summary>What a pause found.</summary>
/// <param name="Since">Since when the application is paused.</param>
/// <param name="AlreadyPaused">It was paused before the command.</param>
/// <param name="HandedBack">Shard leases the command saw held and then handed back.</param>
/// <param name="Waited">How long the command waited for them.</param>
internal sealed record PauseReport(DateTimeOffset Since, bool AlreadyPaused, int HandedBack, TimeSpan Waited);
