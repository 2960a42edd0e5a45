using System.CommandLine;
using KinesisGrains.Cli.Clickstream;

namespace KinesisGrains.Cli.Commands;

internal static class ProduceCommand
{
    public static Command Create()
    {
        var records = new Option<int>("--records") { Description = "Events to write", DefaultValueFactory = _ => 100_000 };
        var keys = new Option<int>("--keys") { Description = "Distinct user ids", DefaultValueFactory = _ => 10_000 };
        var rate = new Option<int>("--rate") { Description = "Records per second at most (0: unlimited)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        var truth = new Option<string>("--truth") { Description = "File to write the expected per-user aggregates to", DefaultValueFactory = _ => "truth.json" };
        var command = new Command("produce", "Write a clickstream to the stream and the ground truth per user to a file")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, records, keys, rate, seed, truth,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(records) < 1 || parse.GetValue(keys) < 1 || parse.GetValue(rate) < 0)
            {
                await Console.Error.WriteLineAsync("error: --records and --keys must be positive and --rate not negative.");
                return 2;
            }

            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var producer = new ClickstreamProducer(kinesis, parse.GetValue(CommonOptions.Stream)!) { RecordsPerSecond = parse.GetValue(rate) };
            var groundTruth = new GroundTruth();
            var result = await producer.ProduceAsync(parse.GetValue(records), parse.GetValue(keys), parse.GetValue(seed), groundTruth, cancellationToken: cancellationToken);
            var path = parse.GetValue(truth)!;
            groundTruth.Save(path);
            Console.WriteLine($"Wrote {result.Records:N0} records for {groundTruth.Users.Count:N0} users in {result.Elapsed.TotalSeconds:F1} s ({result.RecordsPerSecond:N0} records/s); truth in {path}");
            return 0;
        });
        return command;
    }
}
