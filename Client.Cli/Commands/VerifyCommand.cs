using System.CommandLine;
using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;

namespace KinesisGrains.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "Ground truth written by 'produce'", DefaultValueFactory = _ => "truth.json" };
        var command = new Command("verify", "Query every user's grain and compare it with the ground truth") { CommonOptions.Silo, truth };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var expected = GroundTruth.Load(parse.GetValue(truth)!);
            using var client = new GrainClient(parse.GetValue(CommonOptions.Silo)!);
            var stopwatch = Stopwatch.StartNew();
            var mismatches = await VerifyAsync(client, expected, cancellationToken);
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

    /// <summary>Every user whose grain differs from the truth, with what differs.</summary>
    public static async Task<List<string>> VerifyAsync(GrainClient client, GroundTruth expected, CancellationToken cancellationToken)
    {
        var mismatches = new List<string>();
        await Parallel.ForEachAsync(expected.Users.Values, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (want, _) =>
        {
            var got = await client.GetGrain<IUserActivity>(want.UserId).GetSummaryAsync();
            if (GroundTruth.Compare(want, got) is { } difference)
            {
                lock (mismatches)
                {
                    mismatches.Add($"{want.UserId}: {difference}");
                }
            }
        });
        return mismatches;
    }
}
