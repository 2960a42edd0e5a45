using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace KinesisGrains.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var wait = new Option<bool>("--wait-caught-up") { Description = "Wait until every shard is caught up, printing progress" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait at most", DefaultValueFactory = _ => 300 };
        var minRecords = new Option<long>("--min-records") { Description = "With --wait-caught-up: also wait until this many records were read", DefaultValueFactory = _ => 0 };
        var command = new Command("status", "Show the silo's shards and progress") { CommonOptions.Silo, wait, timeout, minRecords };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { BaseAddress = parse.GetValue(CommonOptions.Silo), Timeout = TimeSpan.FromSeconds(10) };
            var stopwatch = Stopwatch.StartNew();
            while (true)
            {
                JsonElement status;
                try
                {
                    status = await http.GetFromJsonAsync<JsonElement>("status", cancellationToken);
                }
                catch (HttpRequestException) when (parse.GetValue(wait) && stopwatch.Elapsed < TimeSpan.FromSeconds(parse.GetValue(timeout)))
                {
                    // The silo may still be starting.
                    await Task.Delay(500, cancellationToken);
                    continue;
                }

                var read = status.GetProperty("recordsRead").GetInt64();
                var caughtUp = status.GetProperty("caughtUp").GetBoolean() && read >= parse.GetValue(minRecords);
                if (!parse.GetValue(wait))
                {
                    Console.WriteLine(JsonSerializer.Serialize(status, new JsonSerializerOptions { WriteIndented = true }));
                    return 0;
                }

                Console.WriteLine($"{stopwatch.Elapsed.TotalSeconds,6:F1}s  records read {read,10:N0}  applied {status.GetProperty("eventsApplied").GetInt64(),10:N0}  caught up: {caughtUp}");
                if (caughtUp)
                {
                    return 0;
                }

                if (stopwatch.Elapsed > TimeSpan.FromSeconds(parse.GetValue(timeout)))
                {
                    await Console.Error.WriteLineAsync($"error: not caught up after {parse.GetValue(timeout)} s");
                    return 1;
                }

                await Task.Delay(1000, cancellationToken);
            }
        });
        return command;
    }
}
