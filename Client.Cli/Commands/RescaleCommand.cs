using System.CommandLine;
using Amazon.Runtime;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Cli.Rescaling;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains rescale --partitions N</c>: changes a stopped application's partition count, every key's state kept
/// (<see cref="ApplicationRescaler"/>). The silos then start with <c>Grains:PartitionCount=N</c>. With <c>--live</c>,
/// a running application's, at a barrier with its input paused (<see cref="Pausing.LiveRescale"/>).
/// </summary>
internal static class RescaleCommand
{
    public static Command Create()
    {
        var partitions = new Option<int>("--partitions")
        {
            Description = "The new partition count (1 to 65536): the silos start with Grains:PartitionCount set to it afterwards",
            Required = true,
        };
        partitions.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > Abstractions.Partitions.PartitionMap.MaxPartitions)
            {
                result.AddError($"--partitions must be 1 to {Abstractions.Partitions.PartitionMap.MaxPartitions}.");
            }
        });
        var live = new Option<bool>("--live")
        {
            Description = "Rescale a running application at a barrier, its silos kept running: its input pauses, its partitions hand their state over, the rescale runs, every silo routes by the new count, and the input resumes (its silos' gateways: --gateway or --membership-table, and --cluster-id)",
        };
        var command = new Command(
            "rescale",
            "Change the partition count of a stopped application (or a running one with --live): each state's newest snapshots are cut into the new partitions' by key hash, every key kept; run it again to finish one that was interrupted")
        {
            partitions, SavepointCommand.Application, SavepointCommand.DynamoDBEndpoint, SavepointCommand.S3Endpoint, CommonOptions.Region, CommonOptions.LeaseFailoverTime,
            live, CommonOptions.Gateway, ResetCommand.LiveMembershipTable, CommonOptions.ClusterId, ResetCommand.PauseTimeout,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var region = parse.GetValue(CommonOptions.Region)!;
            using var dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions { ServiceUrl = parse.GetValue(SavepointCommand.DynamoDBEndpoint), Region = region });
            using var s3 = S3ClientFactory.Create(new S3SnapshotOptions { Bucket = "rescale", ServiceUrl = parse.GetValue(SavepointCommand.S3Endpoint), Region = region });
            var application = parse.GetValue(SavepointCommand.Application)!;
            RescaleReport report;
            Pausing.LiveRescaleReport? liveReport = null;
            try
            {
                var failover = await LeaseFailoverWait.ResolveAsync(dynamo, application, parse.GetValue(CommonOptions.LeaseFailoverTime).Value, output, cancellationToken);
                if (parse.GetValue(live))
                {
                    var silos = Pausing.PausedSilos.Of(parse, application, parse.GetValue(SavepointCommand.DynamoDBEndpoint)?.OriginalString ?? region, parse.GetValue(ResetCommand.LiveMembershipTable), "rescale");
                    liveReport = await new Pausing.LiveRescale(dynamo, s3, application, silos)
                    {
                        PauseTimeout = parse.GetValue(ResetCommand.PauseTimeout).Value,
                        LeaseFailoverTime = failover,
                    }.RunAsync(parse.GetValue(partitions), cancellationToken);
                    report = liveReport.Rescale;
                }
                else
                {
                    var rescaler = new ApplicationRescaler(dynamo, s3, application) { LeaseFailoverTime = failover };
                    report = await rescaler.RescaleAsync(parse.GetValue(partitions), cancellationToken);
                }
            }
            catch (AmazonServiceException exception)
            {
                var paused = parse.GetValue(live) ? " The application stays paused: run the rescale again, or 'kgrains resume'." : "";
                throw CliException.Runtime($"{exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}: {KgrainsCli.Sentence(exception.Message)}{paused}", exception);
            }

            // Running silos route by the new count already; only their next start needs the setting.
            var then = liveReport is null ? "start the silos with" : "set, for the silos' next start,";

            if (output.IsJson)
            {
                output.WriteJson(new
                {
                    from = report.From,
                    to = report.To,
                    finishedEarlier = report.Finished,
                    givenUp = report.GivenUp,
                    seconds = report.Elapsed.TotalSeconds,
                    live = liveReport is not null,
                    partitionsHandedOver = liveReport?.Partitions,
                    silos = liveReport?.Silos,
                    inputPausedSeconds = liveReport is null ? (double?)null : Math.Round(liveReport.InputPaused.TotalSeconds, 1),
                    states = report.States.Select(s => new { state = s.State, partitionsCutByRange = s.PartitionsCutByRange, keysCopied = s.KeysCopied, partitionsWithFloors = s.PartitionsWithFloors, partitionsMergingParts = s.PartitionsMergingParts, snapshotBytes = s.SnapshotBytes }),
                });
            }
            else if (report.GivenUp)
            {
                output.WriteLine($"Gave up the rescale from {report.From} to {report.To} partitions, which was interrupted before it switched anything: the application keeps {report.From}.{Paused(liveReport)}");
            }
            else if (report.Finished)
            {
                // A killed live run that had switched already leaves only the silos' part: the count it came from is gone.
                var from = report.From == report.To ? "" : $" from {report.From}";
                output.WriteLine($"Finished the interrupted rescale{from} to {report.To} partitions: {then} Grains:PartitionCount={report.To}.{Paused(liveReport)}");
            }
            else
            {
                foreach (var state in report.States)
                {
                    var merging = state.PartitionsMergingParts > 0 ? $"; {state.PartitionsMergingParts} partitions merge the parts of its spread keys when they open" : "";
                    var byRange = state.PartitionsCutByRange > 0 ? $"{state.PartitionsCutByRange} cut from a copy of an old store by key-group range, " : "";
                    output.WriteLine($"{state.State}: cut into {report.To} partitions ({byRange}{state.KeysCopied:N0} keys copied one by one; {state.SnapshotBytes:N0} snapshot bytes read{merging}).");
                }

                output.WriteLine($"Rescaled from {report.From} to {report.To} partitions in {report.Elapsed.TotalSeconds:F1} s: {then} Grains:PartitionCount={report.To}.{Paused(liveReport)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Paused(Pausing.LiveRescaleReport? live) => live is null
        ? ""
        : $" At a barrier, silos running: {live.Partitions} partition(s) handed over{(live.Silos > 0 ? $", {live.Silos} silo(s) route by the new count" : "")}; the input resumed after {live.InputPaused.TotalSeconds:F1} s paused.";
}
