using System.CommandLine;
using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Cli.Output;

namespace KinesisGrains.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "Ground truth written by 'produce'", DefaultValueFactory = _ => "truth.json" };
        var windows = new Option<bool>("--windows")
        {
            Description = "Also check the event-time windows: every user's sessions hold exactly its clicks and bytes, every event type's minutes exactly its clicks",
        };
        var command = new Command("verify", "Query every user's grain and compare it with the ground truth; exit code 1 when any differs")
        {
            CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable, truth, windows,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var path = parse.GetValue(truth)!;
            GroundTruth expected;
            try
            {
                expected = GroundTruth.Load(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                throw CliException.Runtime($"cannot read the ground truth '{path}': {KgrainsCli.Sentence(exception.Message)}", exception);
            }

            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            var mismatches = await expected.VerifyAsync(connection.Client, cancellationToken);
            var usersTook = stopwatch.Elapsed;

            // The window grains read the same stream at their own pace: a moment behind the users' is no mismatch (no
            // waiting when the users differ already).
            var windowCheck = parse.GetValue(windows)
                ? await WindowTotals.VerifyUntilExactAsync(expected, connection.Client, mismatches.Count == 0 ? TimeSpan.FromSeconds(30) : TimeSpan.Zero, cancellationToken)
                : null;
            if (output.IsJson)
            {
                output.WriteJson(new
                {
                    match = mismatches.Count == 0 && windowCheck?.Mismatches.Count is null or 0,
                    users = expected.Users.Count,
                    events = expected.Events,
                    mismatchedUsers = mismatches.Count,
                    mismatches = mismatches.Take(10),
                    windows = windowCheck is null ? null : new
                    {
                        match = windowCheck.Mismatches.Count == 0,
                        sessions = windowCheck.Sessions,
                        types = windowCheck.Types,
                        minutes = windowCheck.Minutes,
                        skipped = windowCheck.Skipped,
                        mismatched = windowCheck.Mismatches.Count,
                        mismatches = windowCheck.Mismatches.Take(10),
                    },
                    elapsedSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
                });
            }
            else
            {
                foreach (var line in mismatches.Concat(windowCheck?.Mismatches ?? []).Take(10))
                {
                    output.WriteLine($"  MISMATCH {line}");
                }

                if (mismatches.Count == 0)
                {
                    output.WriteLine($"Verified {expected.Users.Count:N0} users ({expected.Events:N0} events) against the ground truth in {usersTook.TotalSeconds:F1} s: all match.");
                }

                if (windowCheck is { Mismatches.Count: 0 })
                {
                    var skipped = windowCheck.Skipped > 0 ? $" ({windowCheck.Skipped:N0} keys left out: their grains may have dropped older windows)" : "";
                    output.WriteLine($"Verified {windowCheck.Sessions:N0} sessions of {expected.Users.Count:N0} users and {windowCheck.Minutes:N0} minutes of {windowCheck.Types} event types: every event counted once{skipped}.");
                }
            }

            if (mismatches.Count > 0)
            {
                throw CliException.Runtime($"{mismatches.Count:N0} of {expected.Users.Count:N0} users do not match the ground truth.");
            }

            return windowCheck is not { Mismatches.Count: > 0 } failed
                ? ExitCodes.Success
                : throw CliException.Runtime($"{failed.Mismatches.Count:N0} users' sessions or event types' minutes do not hold their events of the ground truth.");
        });
        return command;
    }
}
