using System.CommandLine;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Grains.EventsPerMinute;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

internal static class QueryPerMinuteCommand
{
    public static Command Create()
    {
        var types = new Argument<string[]>("type") { Description = "Event types to query (view, click, add_to_cart, purchase)", Arity = ArgumentArity.OneOrMore };
        var last = new Option<int>("--last") { Description = "Only the newest N minutes of each type (0: all)", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var command = new Command("per-minute", "Print the clicks per minute of event types, by event time")
        {
            CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable, last, types,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            await using var connection = await CommonOptions.ConnectAsync(parse, cancellationToken);
            var results = new List<(string Type, Abstractions.Windows.WindowResult<long>[] Minutes)>();
            foreach (var type in parse.GetValue(types)!)
            {
                var minutes = await connection.CallAsync(c => c.GetKeyedGrain<IEventsPerMinute>(type).GetMinutesAsync(), cancellationToken);
                results.Add((type, WindowText.Newest(minutes, parse.GetValue(last))));
            }

            if (output.IsJson)
            {
                output.WriteJson(results.Select(r => new
                {
                    type = r.Type,
                    minutes = r.Minutes.Select(m => new { start = m.Start, end = m.End, events = m.Events, m.Fired, m.Closed }),
                }));
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Type", "Minute", "Events", "State");
            foreach (var (type, minutes) in results)
            {
                if (minutes.Length == 0)
                {
                    table.AddRow(new Text(KeyText.Of(type)), new Text("-"), new Text("0"), new Text("never seen"));
                }

                foreach (var minute in minutes)
                {
                    table.AddRow(new Text(KeyText.Of(type)), new Text(WindowText.Time(minute.Start)), new Text($"{minute.Events:N0}"), new Text(WindowText.State(minute)));
                }
            }

            output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }
}
