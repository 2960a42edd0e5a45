using Amazon.DynamoDBv2;
using Amazon.S3;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Cli.Rescaling;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Pausing;

/// <summary>
/// <c>kgrains rescale --live</c>: changes a running application's partition count at a barrier, its silos kept
/// running. The input pauses and every silo hands its shard leases back after a final checkpoint
/// (<see cref="ApplicationPause"/>); every silo deactivates its partitions after a final snapshot; the rescale runs as
/// on a stopped application (<see cref="ApplicationRescaler"/>: the new snapshots, then the pointers and the count in
/// one switch, never half); every silo lays its lanes out for the new count (a control command; a silo it misses does
/// so by itself at its next shard sync, reading nothing until then); and the input resumes. Killed midway the pause
/// stays, so nothing reads: running it again finishes the rescale (or begins it anew, if nothing switched) and resumes.
/// </summary>
internal sealed class LiveRescale(IAmazonDynamoDB dynamo, IAmazonS3 s3, string application, PausedSilos silos)
{
    public TimeSpan PauseTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan LeaseFailoverTime { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<LiveRescaleReport> RunAsync(int partitionCount, CancellationToken cancellationToken)
    {
        var leases = new ShardLeaseTable(dynamo, application);

        // Switched, but not resumed (a killed run): only the silos' part and the resume are left. Not paused: a
        // rescale to the count the application has is refused before its input stops.
        var recorded = await leases.GetPartitionCountAsync(cancellationToken);
        var switched = recorded == partitionCount && await leases.GetPendingRescaleAsync(cancellationToken) is null;
        if (switched && await leases.GetPausedSinceAsync(cancellationToken) is null)
        {
            throw CliException.Runtime($"Application '{application}' has {partitionCount} partitions already.");
        }

        var pause = new ApplicationPause(leases, application);
        var paused = await pause.PauseAsync(PauseTimeout, LeaseFailoverTime, cancellationToken);
        var partitions = await silos.HandOverAsync(PauseTimeout, cancellationToken);
        RescaleReport rescale;
        try
        {
            rescale = switched
                ? new RescaleReport(partitionCount, partitionCount, [], Finished: true, TimeSpan.Zero)
                : await new ApplicationRescaler(dynamo, s3, application) { Live = true, LeaseFailoverTime = LeaseFailoverTime }.RescaleAsync(partitionCount, cancellationToken);
        }
        catch (CliException refused) when (refused.InnerException is KeyedState.Rescaling.RescaleRefusedException)
        {
            // Refused before anything switched: the application goes on as it was. The refusal is what the user needs
            // to read, even when the resume fails too.
            try
            {
                await pause.ResumeAsync(cancellationToken);
            }
            catch (CliException notResumed)
            {
                throw CliException.Runtime($"{refused.Message} {notResumed.Message}", refused.InnerException);
            }

            throw CliException.Runtime($"{refused.Message} The input resumed.", refused.InnerException);
        }

        CrashPoints.Reach(CrashPoints.LiveRescaleSwitched);
        var routing = rescale.GivenUp ? [] : await silos.AdoptPartitionCountAsync(partitionCount, cancellationToken);
        await pause.ResumeAsync(cancellationToken);
        return new LiveRescaleReport(rescale, paused, partitions, routing.Count, TimeProvider.System.GetUtcNow() - paused.Since);
    }
}

/// <summary>What a live rescale did.</summary>
/// <param name="Partitions">Partitions the silos deactivated before the rescale.</param>
/// <param name="Silos">Silos that route by the new count (told by the command).</param>
/// <param name="InputPaused">From the pause to the resume (from the first run's pause, for one that finished an interrupted rescale).</param>
internal sealed record LiveRescaleReport(RescaleReport Rescale, PauseReport Pause, int Partitions, int Silos, TimeSpan InputPaused);
