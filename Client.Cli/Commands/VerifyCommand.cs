using System.CommandLine;
using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;

namespace KinesisGrains.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "Ground truth written by 'produce'", DefaultValueFactory = _ => "truth.json" };
        var command = new Command("verify", "Query every user's grain and compare it with the ground truth") { CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDbUrl, CommonOptions.MembershipTable, truth };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var expected = GroundTruth.Load(parse.GetValue(truth)!);
            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            var stopwatch = Stopwatch.StartNew();
            var mismatches = await expected.VerifyAsync(connection.Client, cancellationToken);
            foreach (var line in mismatches.Take(10))
            {
                Console.WriteLine($"  MISMATCH {line}");
            }

            Console.WriteLine(mismatches.Count == 0
                ? $"Verified {expected.Users.Count:N0} users ({expected.Events:N0} events) against the ground truth in {stopwatch.Elapsed.TotalSeconds:F1} s: all match."
                : $"{mismatches.Count:N0} of {expected.Users.Count:N0} users do not match the ground truth.");
            return mismatches.Count == 0 ? 0 : 1;
        });
        return command;
    }
}
