using System.CommandLine;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Grains.Sessions;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

internal static class QuerySessionsCommand
{
    public static Command Create()
    {
        var users = new Argument<string[]>("user") { Description = "User ids to query", Arity = ArgumentArity.OneOrMore };
        var last = new Option<int>("--last") { Description = "Only the newest N sessions of each user (0: all)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("sessions", "Print users' sessions by event time (30 minutes without a click end one): start, end, clicks, bytes")
        {
            CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable, last, users,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            var results = new List<(string User, Abstractions.Windows.WindowResult<long>[] Sessions)>();
            foreach (var user in parse.GetValue(users)!)
            {
                // GetKeyedGrain: a user id may be a partition key Orleans refuses as a grain key (" ").
                var sessions = await connection.CallAsync(c => c.GetKeyedGrain<IUserSessions>(user).GetSessionsAsync(), cancellationToken);
                results.Add((user, WindowText.Newest(sessions, parse.GetValue(last))));
            }

            if (output.IsJson)
            {
                output.WriteJson(results.Select(r => new
                {
                    userId = r.User,
                    sessions = r.Sessions.Select(s => new { start = s.Start, end = s.End, events = s.Events, bytes = s.Value, s.Fired, s.Closed }),
                }));
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("User", "Start", "End", "Events", "Bytes", "State");
            foreach (var (user, sessions) in results)
            {
                if (sessions.Length == 0)
                {
                    table.AddRow(new Text(KeyText.Of(user)), new Text("-"), new Text("-"), new Text("0"), new Text("0"), new Text("no sessions"));
                }

                foreach (var session in sessions)
                {
                    table.AddRow(
                        new Text(KeyText.Of(user)),
                        new Text(WindowText.Time(session.Start)),
                        new Text(WindowText.Time(session.End)),
                        new Text($"{session.Events:N0}"),
                        new Text($"{session.Value:N0}"),
                        new Text(WindowText.State(session)));
                }
            }

            output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
