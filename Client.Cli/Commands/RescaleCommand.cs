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
/// (<see cref="ApplicationRescaler"/>). The silos then start with <c>Grains:PartitionCount=N</c>.
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
        var command = new Command(
            "rescale",
            "Change the partition count of a stopped application: each state's newest snapshots are cut into the new partitions' by key hash, every key kept; run it again to finish one that was interrupted")
        {
            partitions, SavepointCommand.Application, SavepointCommand.DynamoDBEndpoint, SavepointCommand.S3Endpoint, CommonOptions.Region, CommonOptions.LeaseFailoverTime,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var region = parse.GetValue(CommonOptions.Region)!;
            using var dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions { ServiceUrl = parse.GetValue(SavepointCommand.DynamoDBEndpoint), Region = region });
            using var s3 = S3ClientFactory.Create(new S3SnapshotOptions { Bucket = "rescale", ServiceUrl = parse.GetValue(SavepointCommand.S3Endpoint), Region = region });
            RescaleReport report;
            try
            {
                var rescaler = new ApplicationRescaler(dynamo, s3, parse.GetValue(SavepointCommand.Application)!) { LeaseFailoverTime = parse.GetValue(CommonOptions.LeaseFailoverTime).Value };
                report = await rescaler.RescaleAsync(parse.GetValue(partitions), cancellationToken);
            }
            catch (AmazonServiceException exception)
            {
                throw CliException.Runtime($"{exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}: {KgrainsCli.Sentence(exception.Message)}", exception);
            }

            if (output.IsJson)
            {
                output.WriteJson(new
                {
                    from = report.From,
                    to = report.To,
                    finishedEarlier = report.Finished,
                    givenUp = report.GivenUp,
                    seconds = report.Elapsed.TotalSeconds,
                    states = report.States.Select(s => new { state = s.State, keys = s.Keys, partitionsWithFloors = s.PartitionsWithFloors, partitionsMergingParts = s.PartitionsMergingParts, snapshotBytes = s.SnapshotBytes }),
                });
            }
            else if (report.GivenUp)
            {
                output.WriteLine($"Gave up the rescale from {report.From} to {report.To} partitions, which was interrupted before it switched anything: the application keeps {report.From}.");
            }
            else if (report.Finished)
            {
                output.WriteLine($"Finished the interrupted rescale from {report.From} to {report.To} partitions: start the silos with Grains:PartitionCount={report.To}.");
            }
            else
            {
                foreach (var state in report.States)
                {
                    var merging = state.PartitionsMergingParts > 0 ? $"; {state.PartitionsMergingParts} partitions merge the parts of its spread keys when they open" : "";
                    output.WriteLine($"{state.State}: {state.Keys:N0} keys cut into {report.To} partitions ({state.SnapshotBytes:N0} snapshot bytes read{merging}).");
                }

                output.WriteLine($"Rescaled from {report.From} to {report.To} partitions in {report.Elapsed.TotalSeconds:F1} s: start the silos with Grains:PartitionCount={report.To}.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
