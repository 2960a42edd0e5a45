using Amazon.DynamoDBv2;
using Amazon.S3;
using KinesisGrains.Cli.Rescaling;
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
/// <param name="silos">The application's silos.</param>
internal sealed class LiveReset(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application, PausedSilos silos)
{
    public TimeSpan PauseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan LeaseFailoverTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <param name="keepState">Keep the state (the reset shards' records are applied again on top of it); false: it starts empty.</param>
    public async Task<LiveResetReport> RunAsync(bool keepState, string position, DateTimeOffset? timestamp, string? shardId, CancellationToken cancellationToken)
    {
        var pause = new ApplicationPause(new ShardLeaseTable(dynamo, application), application);
        var paused = await pause.PauseAsync(PauseTimeout, LeaseFailoverTime, cancellationToken);
        var partitions = await silos.HandOverAsync(PauseTimeout, cancellationToken);
        var rescaler = new ApplicationRescaler(dynamo, s3, application) { Live = true, LeaseFailoverTime = LeaseFailoverTime };
        var reset = keepState
            ? await rescaler.ResetKeepingStateAsync(position, timestamp, shardId, cancellationToken)
            : await rescaler.ResetClearingStateAsync(position, timestamp, shardId, cancellationToken);
        await pause.ResumeAsync(cancellationToken);
        return new LiveResetReport(reset, paused, partitions, TimeProvider.System.GetUtcNow() - paused.Since);
    }
}

/// <summary>What a live reset did.</summary>
/// <param name="Partitions">Partitions the silos deactivated before the reset.</param>
/// <param name="InputPaused">From the pause to the resume (from the first run's pause, for one that finished an interrupted reset).</param>
internal sealed record LiveResetReport(KeepStateReset Reset, PauseReport Pause, int Partitions, TimeSpan InputPaused);
