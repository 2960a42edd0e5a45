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
        var command = new Command("verify", "Query every user's grain and compare it with the ground truth; exit code 1 when any differs") { CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable, truth };
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
            if (output.IsJson)
            {
                output.WriteJson(new
                {
                    match = mismatches.Count == 0,
                    users = expected.Users.Count,
                    events = expected.Events,
                    mismatchedUsers = mismatches.Count,
                    mismatches = mismatches.Take(10),
                    elapsedSeconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
                });
            }
            else
            {
                foreach (var line in mismatches.Take(10))
                {
                    output.WriteLine($"  MISMATCH {line}");
                }

                if (mismatches.Count == 0)
                {
                    output.WriteLine($"Verified {expected.Users.Count:N0} users ({expected.Events:N0} events) against the ground truth in {stopwatch.Elapsed.TotalSeconds:F1} s: all match.");
                }
            }

            return mismatches.Count == 0
                ? ExitCodes.Success
                : throw CliException.Runtime($"{mismatches.Count:N0} of {expected.Users.Count:N0} users do not match the ground truth.");
        });
        return command;
    }
}
