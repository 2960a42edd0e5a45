using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Grains.UserActivity;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

internal static class QueryCommand
{
    public static Command Create()
    {
        var users = new Argument<string[]>("user") { Description = "User ids to query", Arity = ArgumentArity.OneOrMore };
        // 'query sessions ...' and 'query per-minute ...' are subcommands; a user of either name: 'query -- sessions'.
        var command = new Command("query", "Print the activity of users, asked of their grains through an Orleans client; 'query sessions' and 'query per-minute' print event-time windows")
        {
            CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable, users,
            QuerySessionsCommand.Create(), QueryPerMinuteCommand.Create(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            var summaries = new List<UserActivitySummary>();
            foreach (var user in parse.GetValue(users)!)
            {
                summaries.Add(await connection.CallAsync(c => c.GetUserActivity(user).GetSummaryAsync(), cancellationToken));
            }

            if (output.IsJson)
            {
                output.WriteJson(summaries);
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("User", "Events", "Bytes", "First seen", "Last seen", "Events by type");
            foreach (var summary in summaries)
            {
                table.AddRow(
                    new Text(KeyText.Of(summary.UserId)),
                    new Text($"{summary.EventCount:N0}"),
                    new Text($"{summary.TotalBytes:N0}"),
                    new Text(summary.FirstSeen?.ToString("O") ?? "-"),
                    new Text(summary.LastSeen?.ToString("O") ?? "-"),
                    new Text(string.Join(", ", summary.EventsByType.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:N0}"))));
            }

            output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
