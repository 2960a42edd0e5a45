using System.CommandLine;
using Amazon.Runtime;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Pausing;
using KinesisGrains.DynamoDB;
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
            var region = parse.GetValue(CommonOptions.Region)!;
            var service = parse.GetValue(ResetCommand.LeaseTableEndpoint) ?? region;
            using var dynamo = DynamoDBClientFactory.Create(service, accessKey: null, secretKey: null, token: null, profileName: null, authenticationRegion: region);
            DateTimeOffset? since;
            try
            {
                since = await new ApplicationPause(new ShardLeaseTable(dynamo, name), name).ResumeAsync(cancellationToken);
            }
            catch (AmazonServiceException exception)
            {
                throw CliException.Runtime($"DynamoDB at {service} refused the resume: {exception.Message}", exception);
            }
            catch (AmazonClientException exception)
            {
                throw CliException.Runtime($"Cannot reach DynamoDB at {service}: {exception.Message}", exception);
            }

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
