using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Cli.Commands;

internal static class CreateStreamCommand
{
    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "Number of shards", DefaultValueFactory = _ => 4 }.AtLeast(1);
        var command = new Command("create-stream", "Create a stream (if it does not exist) and wait until it is ACTIVE")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, shards,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            var created = true;
            try
            {
                await kinesis.CreateStreamAsync(stream, parse.GetValue(shards), cancellationToken);
            }
            catch (KinesisResourceInUseException)
            {
                created = false;
            }

            var summary = await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromMinutes(2), cancellationToken);
            var status = summary.StreamStatus.ToString().ToUpperInvariant();
            if (output.IsJson)
            {
                output.WriteJson(new { stream, created, status, openShards = summary.OpenShardCount });
            }
            else
            {
                output.WriteLine(created
                    ? $"Stream '{stream}' is {status} with {summary.OpenShardCount} open shards."
                    : $"Stream '{stream}' exists already; it is {status} with {summary.OpenShardCount} open shards.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
