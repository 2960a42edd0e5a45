using Amazon.DynamoDBv2;
using Amazon.S3;
using KinesisGrains.Cli.Rescaling;
using KinesisGrains.Client;
using KinesisGrains.Streaming.Kinesis.Control;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Pausing;

/// <summary>
/// <c>kgrains reset --live</c>: resets a running application at a barrier. Its input is paused and the command waits
/// until every silo handed its shard leases back after a final checkpoint (<see cref="ApplicationPause"/>); then every
/// silo deactivates its partitions, each after a final snapshot (<see cref="KinesisStreamControl.HandOverPartitionsAsync"/>),
/// so the reset reads the state they held and their next activations restore what the reset wrote; then the reset
/// runs as on a stopped application (<see cref="ApplicationRescaler"/>, which fences every partition's earlier
/// activations), and the input resumes. Killed midway the pause stays, so nothing reads: running it again finishes
/// the reset (a switch recorded as pending) or does it, and resumes.
/// </summary>
/// <param name="connect">Connects to the application's silos.</param>
/// <param name="target">The silos as the user named them, for messages.</param>
internal sealed class LiveReset(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application, Func<CancellationToken, Task<ClusterConnection>> connect, string target)
{
    public TimeSpan PauseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan LeaseFailoverTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <param name="keepState">Keep the state (the reset shards' records are applied again on top of it); false: it starts empty.</param>
    public async Task<LiveResetReport> RunAsync(bool keepState, string position, DateTimeOffset? timestamp, string? shardId, CancellationToken cancellationToken)
    {
        var pause = new ApplicationPause(new ShardLeaseTable(dynamo, application), application);
        var paused = await pause.PauseAsync(PauseTimeout, LeaseFailoverTime, cancellationToken);
        var partitions = await HandOverAsync(cancellationToken);
        var rescaler = new ApplicationRescaler(dynamo, s3, application) { Live = true, LeaseFailoverTime = LeaseFailoverTime };
        var reset = keepState
            ? await rescaler.ResetKeepingStateAsync(position, timestamp, shardId, cancellationToken)
            : await rescaler.ResetClearingStateAsync(position, timestamp, shardId, cancellationToken);
        await pause.ResumeAsync(cancellationToken);
        return new LiveResetReport(reset, paused, partitions, TimeProvider.System.GetUtcNow() - paused.Since);
    }

    /// <summary>Every silo deactivates its partitions after a final snapshot; returns how many were.</summary>
    private async Task<int> HandOverAsync(CancellationToken cancellationToken)
    {
        ClusterConnection connection;
        try
        {
            connection = await connect(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw CliException.Runtime(
                $"Application '{application}' is paused, but its silos cannot be reached at {target} to hand their partitions over: {KgrainsCli.Sentence(exception.Message)} "
                + "Nothing was reset, and the pause stays: name the silos' gateways (--gateway, or --membership-table; --cluster-id) and run the reset again, or end the pause with 'kgrains resume'. "
                + "(A stopped application is reset without --live.)",
                exception);
        }

        await using (connection)
        {
            var reports = await connection.CallAsync(c => KinesisStreamControl.HandOverPartitionsAsync(c, KinesisStreamControl.SiloProviderName, Guid.NewGuid().ToString("N")), cancellationToken);
            if (reports.FirstOrDefault(r => r.Application != application) is { } other)
            {
                throw CliException.Runtime($"The cluster at {target} runs application '{other.Application}' (silo {other.Silo}), not '{application}': nothing was reset, and '{application}' stays paused ('kgrains resume' ends it).");
            }

            if (reports.FirstOrDefault(r => r.Error is not null) is { } failed)
            {
                throw CliException.Runtime($"Silo {failed.Silo} could not hand its partitions over: {KgrainsCli.Sentence(failed.Error!)} Nothing was reset, and the pause stays: run the reset again, or 'kgrains resume'.");
            }

            return reports.Sum(r => r.Partitions);
        }
    }
}

/// <summary>What a live reset did.</summary>
/// <param name="Partitions">Partitions the silos deactivated before the reset.</param>
/// <param name="InputPaused">From the pause to the resume (from the first run's pause, for one that finished an interrupted reset).</param>
internal sealed record LiveResetReport(KeepStateReset Reset, PauseReport Pause, int Partitions, TimeSpan InputPaused);
