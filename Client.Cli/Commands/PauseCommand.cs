using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Pausing;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains pause --application A</c>: stops a running application's input without stopping its silos
/// (<see cref="ApplicationPause"/>): each silo hands its shard leases back after a final checkpoint, and the command
/// returns once none is held. Queries are still answered; <c>kgrains resume</c> ends it.
/// </summary>
internal static class PauseCommand
{
    public static Command Create()
    {
        var command = new Command(
            "pause",
            "Pause a running application's input: its silos stop reading at a final checkpoint and keep answering queries, until 'kgrains resume'; waits until no silo holds a shard lease")
        {
            ResetCommand.Application, ResetCommand.LeaseTableEndpoint, CommonOptions.Region, ResetCommand.PauseTimeout, CommonOptions.LeaseFailoverTime,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var name = parse.GetValue(ResetCommand.Application)!;
            using var table = LeaseTableClient.Open(parse);
            var report = await table.RunAsync("pause", async dynamo => await new ApplicationPause(new ShardLeaseTable(dynamo, name), name).PauseAsync(
                parse.GetValue(ResetCommand.PauseTimeout).Value,
                await LeaseFailoverWait.ResolveAsync(dynamo, name, parse.GetValue(CommonOptions.LeaseFailoverTime).Value, output, cancellationToken),
                cancellationToken));

            if (output.IsJson)
            {
                output.WriteJson(new { application = name, pausedSince = report.Since, alreadyPaused = report.AlreadyPaused, leasesHandedBack = report.HandedBack });
            }
            else
            {
                output.WriteLine(
                    $"Application '{name}' is paused{(report.AlreadyPaused ? $" (since {report.Since:O})" : "")}: no silo reads its shards"
                    + (report.HandedBack > 0 ? $" ({report.HandedBack} lease(s) handed back after a final checkpoint)" : "")
                    + "; queries are still answered. 'kgrains resume' ends the pause.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
