using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Pausing;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains resume --application A</c>: ends a pause (<see cref="ApplicationPause.ResumeAsync"/>); the silos take
/// the shard leases again at their next shard sync and read on from the checkpoints. Resuming an application that is
/// not paused changes nothing.
/// </summary>
internal static class ResumeCommand
{
    public static Command Create()
    {
        var command = new Command("resume", "Resume a paused application's input: its silos read on from the shards' checkpoints")
        {
            ResetCommand.Application, ResetCommand.LeaseTableEndpoint, CommonOptions.Region,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var name = parse.GetValue(ResetCommand.Application)!;
            using var table = LeaseTableClient.Open(parse);
            var since = await table.RunAsync("resume", dynamo => new ApplicationPause(new ShardLeaseTable(dynamo, name), name).ResumeAsync(cancellationToken));

            if (output.IsJson)
            {
                output.WriteJson(new { application = name, wasPaused = since is not null, pausedSince = since });
            }
            else
            {
                output.WriteLine(since is { } at
                    ? $"Application '{name}' resumed (paused since {at:O}): its silos read on from the shards' checkpoints."
                    : $"Application '{name}' was not paused: nothing changed.");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
