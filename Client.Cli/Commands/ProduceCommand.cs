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
        var append = new Option<bool>("--append") { Description = "Add this run's events to the ground truth already in the file instead of replacing it" };
        var eventsAgo = new Option<Duration>("--events-ago")
        {
            Description = $"The first event's timestamp (its event time), this long before now ({DurationArgument.Examples}); the next ones follow about 3 ms apart",
            CustomParser = DurationArgument.Parse,
            DefaultValueFactory = _ => new Duration(TimeSpan.FromHours(1)),
        };
        var command = new Command("produce", "Write a clickstream to the stream and the ground truth per user to a file")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, records, keys, rate, seed, eventsAgo, truth, append,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            var count = parse.GetValue(records);
            var path = parse.GetValue(truth)!;
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var producer = new ClickstreamProducer(kinesis, stream) { RecordsPerSecond = parse.GetValue(rate) };
            var groundTruth = parse.GetValue(append) && File.Exists(path) ? LoadTruth(path) : new GroundTruth();
            var now = DateTimeOffset.UtcNow;
            var start = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)) - parse.GetValue(eventsAgo).Value;
            Task<ProduceResult> ProduceAsync(IProgress<long>? progress) =>
                producer.ProduceAsync(count, parse.GetValue(keys), parse.GetValue(seed), groundTruth, progress, start, cancellationToken);

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
                output.WriteLine(groundTruth.Events == result.Records
                    ? $"Wrote {result.Records:N0} records for {groundTruth.Users.Count:N0} users in {result.Elapsed.TotalSeconds:F1} s ({result.RecordsPerSecond:N0} records/s); truth in {path}"
                    : $"Wrote {result.Records:N0} records in {result.Elapsed.TotalSeconds:F1} s ({result.RecordsPerSecond:N0} records/s); truth in {path}: {groundTruth.Events:N0} events of {groundTruth.Users.Count:N0} users");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static GroundTruth LoadTruth(string path)
    {
        try
        {
            return GroundTruth.Load(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException)
        {
            // Before anything is written: a truth that cannot be added to would not match the stream afterwards.
            throw CliException.Usage($"--append: cannot read the ground truth '{path}': {KgrainsCli.Sentence(exception.Message)}");
        }
    }
}
