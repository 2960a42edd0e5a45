using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Cli.Status;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

internal static class StatusCommand
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var wait = new Option<bool>("--wait-caught-up") { Description = "Wait until every shard is caught up, showing progress; exit code 1 on timeout" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait at most", DefaultValueFactory = _ => 300 }.AtLeast(1);
        var minRecords = new Option<long>("--min-records") { Description = "With --wait-caught-up: also wait until this many records were read", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("status", "Show the silo's shards (owner, checkpoint, records, lag) and partitions") { CommonOptions.Silo, wait, timeout, minRecords };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            using var reader = new SiloStatusReader(parse.GetValue(CommonOptions.Silo)!);
            var status = parse.GetValue(wait)
                ? await WaitAsync(reader, output, TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(minRecords), cancellationToken)
                : await reader.ReadAsync(cancellationToken);
            if (output.IsJson)
            {
                output.WriteJson(status);
            }
            else
            {
                SiloStatusView.Write(output.Console, status);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Polls until caught up with at least <paramref name="minRecords"/> read; a bar on a terminal, a line a second otherwise.</summary>
    private static async Task<JsonElement> WaitAsync(SiloStatusReader reader, CliOutput output, TimeSpan timeout, long minRecords, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        if (!output.ShowProgress)
        {
            TimeSpan? lastLine = null;
            return await PollAsync(reader, stopwatch, timeout, minRecords, (progress, done) =>
            {
                // Without a terminal (CI logs, pipes) a line a second; nothing at all with --json.
                if (!output.IsJson && (done || lastLine is null || stopwatch.Elapsed - lastLine >= TimeSpan.FromSeconds(1)))
                {
                    lastLine = stopwatch.Elapsed;
                    output.WriteLine($"{stopwatch.Elapsed.TotalSeconds,6:F1}s  records read {progress.RecordsRead,10:N0}  applied {progress.EventsApplied,10:N0}  shards caught up {progress.ShardsCaughtUp}/{progress.Shards}  caught up: {done}");
                }
            }, cancellationToken);
        }

        return await output.Console.Progress()
            .AutoClear(false)
            .Columns(minRecords > 0
                ? [new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new RateColumn("records"), new ElapsedTimeColumn()]
                : [new TaskDescriptionColumn(), new ProgressBarColumn(), new CountColumn(), new ElapsedTimeColumn()])
            .StartAsync(async context =>
            {
                // The bar counts records read against --min-records, else shards caught up.
                var task = context.AddTask("waiting for the silo", maxValue: Math.Max(1, minRecords));
                task.IsIndeterminate = true;
                return await PollAsync(reader, stopwatch, timeout, minRecords, (progress, done) =>
                {
                    task.IsIndeterminate = false;
                    if (minRecords > 0)
                    {
                        task.Value = Math.Min(progress.RecordsRead, minRecords);
                    }
                    else
                    {
                        task.MaxValue = Math.Max(1, progress.Shards);
                        task.Value = progress.ShardsCaughtUp;
                    }

                    // Short, so the bar keeps its width on an 80-column terminal; the count column shows the rest.
                    var lag = progress.MaxMillisBehindLatest is { } millis ? $", lag {millis:N0} ms" : "";
                    task.Description = Markup.Escape(minRecords > 0
                        ? $"{progress.ShardsCaughtUp}/{progress.Shards} shards caught up{lag}"
                        : $"{progress.RecordsRead:N0} read{lag}");
                    if (done)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                }, cancellationToken);
            });
    }

    private static async Task<JsonElement> PollAsync(
        SiloStatusReader reader, Stopwatch stopwatch, TimeSpan timeout, long minRecords, Action<SiloStatusView.Progress, bool> report, CancellationToken cancellationToken)
    {
        CliException? unreachable = null;
        while (true)
        {
            try
            {
                var status = await reader.ReadAsync(cancellationToken);
                var progress = SiloStatusView.ReadProgress(status);
                var done = progress.CaughtUp && progress.RecordsRead >= minRecords;
                report(progress, done);
                if (done)
                {
                    return status;
                }

                unreachable = null;
                if (stopwatch.Elapsed > timeout)
                {
                    throw CliException.Runtime(
                        $"the silo was not caught up after {timeout.TotalSeconds:F0} s ({progress.RecordsRead:N0} records read, {progress.ShardsCaughtUp} of {progress.Shards} shards caught up).");
                }
            }
            catch (CliException exception) when (exception.InnerException is not null && stopwatch.Elapsed <= timeout)
            {
                // The silo may still be starting.
                unreachable = exception;
            }

            if (unreachable is not null && stopwatch.Elapsed > timeout)
            {
                throw CliException.Runtime($"waited {timeout.TotalSeconds:F0} s: {unreachable.Message}", unreachable);
            }

            await Task.Delay(s_pollInterval, cancellationToken);
        }
    }
}
