using Amazon.DynamoDBv2;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// How long a command watches a shard lease before it takes the lease for a stopped silo's: <c>--lease-failover-time</c>,
/// or the <c>Kinesis:LeaseFailoverTime</c> the silos recorded at their start (<see cref="ApplicationRecord.LeaseFailoverTimeFact"/>)
/// when that is longer. A silo renews every third of its own failover time, so a shorter watch can miss a running
/// silo's renewal, and the command would change state that silo still writes.
/// </summary>
internal static class LeaseFailoverWait
{
    /// <summary>The longer of the two; the option as given when the silos recorded none (they predate the fact).</summary>
    public static TimeSpan Of(TimeSpan option, TimeSpan? recorded) => recorded > option ? recorded.Value : option;

    /// <summary>
    /// The wait for <paramref name="application"/>, from its facts; says so on <paramref name="output"/> when the
    /// recorded time lengthens <paramref name="option"/>. An application that never started has no facts: the option.
    /// </summary>
    public static async Task<TimeSpan> ResolveAsync(
        IAmazonDynamoDB dynamo, string application, TimeSpan option, CliOutput output, CancellationToken cancellationToken)
    {
        var recorded = (await ApplicationRecord.ReadAsync(dynamo, application, cancellationToken))?.LeaseFailoverTime;
        var wait = Of(option, recorded);
        if (wait > option)
        {
            output.WriteNote(
                $"The silos of application '{application}' recorded {ApplicationRecord.LeaseFailoverTimeFact} {DurationArgument.Format(wait)}, longer than "
                + $"--lease-failover-time {DurationArgument.Format(option)}: a shard lease is watched for {DurationArgument.Format(wait)} before it counts as a stopped silo's.");
        }

        return wait;
    }
}
