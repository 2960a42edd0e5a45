using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Silo.Hosting;

/// <summary>
/// With localhost clustering each silo is a cluster of its own: two of them on one application would both read every
/// shard and both write every partition's state, checkpoints and snapshots. So the silo claims the application in its
/// lease table and renews the claim while it runs; a second silo that finds a claim of another silo renewed lately
/// refuses to start. A restart of the same silo (same <c>Silo:SiloId</c>) takes its claim back at once, a claim not
/// renewed for <see cref="Lapse"/> (a crashed or hung silo) is taken over, and a silo that stops gives it up.
/// </summary>
internal sealed partial class SoleSiloClaim : IAsyncDisposable
{
    /// <summary>How often the claim is renewed.</summary>
    public static readonly TimeSpan RenewalPeriod = TimeSpan.FromSeconds(10);

    /// <summary>A claim older than this is abandoned: three renewals missed, more than a GC pause or a slow DynamoDB call.</summary>
    public static readonly TimeSpan Lapse = 3 * RenewalPeriod;

    private readonly IAmazonDynamoDB _dynamo;
    private readonly ShardLeaseTable _leases;
    private readonly string _siloId;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _renewals;

    private SoleSiloClaim(IAmazonDynamoDB dynamo, ShardLeaseTable leases, string siloId)
    {
        _dynamo = dynamo;
        _leases = leases;
        _siloId = siloId;
    }

    /// <summary>Takes the claim for <paramref name="siloId"/>; the caller disposes it (which gives the claim up).</summary>
    /// <exception cref="SiloStartupException">Another live silo holds it (exit code 2).</exception>
    public static async Task<SoleSiloClaim> TakeAsync(IAmazonDynamoDB dynamo, string tableName, string siloId, string applicationName, CancellationToken cancellationToken)
    {
        var leases = new ShardLeaseTable(dynamo, tableName);
        var now = DateTimeOffset.UtcNow;
        if (await leases.ClaimSoleSiloAsync(siloId, now, Lapse, cancellationToken) is { } holder)
        {
            dynamo.Dispose();
            throw new SiloStartupException(
                $"Silo '{holder.SiloId}' runs application '{applicationName}' with Silo:Clustering=Localhost (its claim in lease table '{tableName}' was renewed {Math.Max(0, (now - holder.Heartbeat).TotalSeconds):F0} s ago), " +
                "and a second Localhost silo would be a separate cluster reading the same shards and writing the same partitions: stop that silo first, " +
                "or use Silo:Clustering=DynamoDB (with Snapshots:Bucket) for several silos.",
                SiloStartupException.InvalidConfiguration);
        }

        return new SoleSiloClaim(dynamo, leases, siloId);
    }

    /// <summary>Renews the claim every <see cref="RenewalPeriod"/>; <paramref name="onLost"/> runs if another silo took it.</summary>
    public void StartRenewing(ILogger logger, Action onLost) => _renewals = RenewAsync(logger, onLost, _stopping.Token);

    private async Task RenewAsync(ILogger logger, Action onLost, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(RenewalPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    if (await _leases.ClaimSoleSiloAsync(_siloId, DateTimeOffset.UtcNow, Lapse, stopping) is { } holder)
                    {
                        // This silo did not renew for longer than the lapse and another one started: one of them must go.
                        LogClaimLost(logger, _leases.TableName, holder.SiloId);
                        onLost();
                        return;
                    }
                }
                catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException)
                {
                    // A renewal missed is no loss yet: the claim lapses only after several.
                    LogRenewalFailed(logger, exception, _leases.TableName);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops renewing and gives the claim up: the silo has stopped (its final checkpoints are written).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_renewals is { } renewals)
        {
            await renewals;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _leases.ReleaseSoleSiloAsync(_siloId, timeout.Token);
        }
        catch (Exception exception) when (exception is AmazonServiceException or AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            // Not given up: it lapses, and the next silo waits that long.
        }

        _stopping.Dispose();
        _dynamo.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Silo '{Holder}' took this silo's claim on the application in lease table '{Table}' after this silo missed its renewals: stopping, so that one silo runs it")]
    private static partial void LogClaimLost(ILogger logger, string table, string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew this silo's claim on the application in lease table '{Table}'; retrying")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string table);
}
