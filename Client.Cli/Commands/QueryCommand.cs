using System.CommandLine;
using System.Text.Json;
using KinesisGrains.Grains.UserActivity;

namespace KinesisGrains.Cli.Commands;

internal static class QueryCommand
{
    public static Command Create()
    {
        var users = new Argument<string[]>("user") { Description = "User ids to query", Arity = ArgumentArity.OneOrMore };
        var command = new Command("query", "Print the activity of users, asked of their grains through an Orleans client") { CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDbUrl, CommonOptions.MembershipTable, users };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            foreach (var user in parse.GetValue(users)!)
            {
                var summary = await connection.CallAsync(c => c.GetGrain<IUserActivity>(user).GetSummaryAsync(), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
            }

            return 0;
        });
        return command;
    }
}
