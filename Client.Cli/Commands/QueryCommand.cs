using System.CommandLine;
using System.Text.Json;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;

namespace KinesisGrains.Cli.Commands;

internal static class QueryCommand
{
    public static Command Create()
    {
        var users = new Argument<string[]>("user") { Description = "User ids to query", Arity = ArgumentArity.OneOrMore };
        var command = new Command("query", "Print the activity of users, asked of their grains") { CommonOptions.Silo, users };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = new GrainClient(parse.GetValue(CommonOptions.Silo)!);
            foreach (var user in parse.GetValue(users)!)
            {
                var summary = await client.GetGrain<IUserActivity>(user).GetSummaryAsync();
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }
}
