using System.CommandLine;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

internal static class ProduceCommand
{
    public static Command Create()
    {
        var records = new Option<int>("--records") { Description = "Events to write", DefaultValueFactory = _ => 100_000 }.AtLeast(1);
        var keys = new Option<int>("--keys") { Description = "Distinct user ids", DefaultValueFactory = _ => 10_000 }.AtLeast(1);
        var rate = new Option<int>("--rate") { Description = "Records per second at most (0: unlimited)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 42 };
        var truth = new Option<string>("--truth") { Description = "File to write the expected per-user aggregates to", DefaultValueFactory = _ => "truth.json" };
        var command = new Command("produce", "Write a clickstream to the stream and the ground truth per user to a file")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, records, keys, rate, seed, truth,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            var count = parse.GetValue(records);
            var path = parse.GetValue(truth)!;
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var producer = new ClickstreamProducer(kinesis, stream) { RecordsPerSecond = parse.GetValue(rate) };
            var groundTruth = new GroundTruth();
            Task<ProduceResult> ProduceAsync(IProgress<long>? progress) =>
                producer.ProduceAsync(count, parse.GetValue(keys), parse.GetValue(seed), groundTruth, progress, cancellationToken: cancellationToken);

            var result = output.ShowProgress
                ? await output.Console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new RateColumn("records"), new ElapsedTimeColumn())
                    .StartAsync(context => ProduceAsync(new TaskProgress(context.AddTask($"producing to {Markup.Escape(stream)}", maxValue: count))))
                : await ProduceAsync(null);
            try
            {
                groundTruth.Save(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw CliException.Runtime($"the records were written but the ground truth could not be saved to '{path}': {exception.Message}", exception);
            }

            if (output.IsJson)
            {
                output.WriteJson(new
                {
                    stream,
                    records = result.Records,
                    users = groundTruth.Users.Count,
                    elapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 3),
                    recordsPerSecond = Math.Round(result.RecordsPerSecond, 1),
                    truth = Path.GetFullPath(path),
                });
            }
            else
            {
                output.WriteLine($"Wrote {result.Records:N0} records for {groundTruth.Users.Count:N0} users in {result.Elapsed.TotalSeconds:F1} s ({result.RecordsPerSecond:N0} records/s); truth in {path}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
