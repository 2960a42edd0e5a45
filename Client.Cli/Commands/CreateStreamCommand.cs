using System.CommandLine;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Cli.Commands;

internal static class CreateStreamCommand
{
    public static Command Create()
    {
        var shards = new Option<int>("--shards") { Description = "Number of shards", DefaultValueFactory = _ => 4 };
        var command = new Command("create-stream", "Create a stream (if it does not exist) and wait until it is ACTIVE")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, shards,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            try
            {
                await kinesis.CreateStreamAsync(stream, parse.GetValue(shards), cancellationToken);
            }
            catch (KinesisResourceInUseException)
            {
                Console.WriteLine($"Stream '{stream}' exists already.");
            }

            var summary = await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromMinutes(2), cancellationToken);
            Console.WriteLine($"Stream '{stream}' is {summary.StreamStatus} with {summary.OpenShardCount} open shards.");
            return 0;
        });
        return command;
    }
}
