using System.CommandLine;
using System.Text.Json;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.State;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains state get KEY</c>: one key's state from its partition's latest committed snapshot, without a silo. The
/// key's partition comes from the application's pinned partition count (the hash the silos use); only that
/// partition's snapshot is downloaded.
/// </summary>
internal static class StateGetCommand
{
    public static Command Create()
    {
        var key = new Argument<string>("key") { Description = "The state key (the record's partition key, e.g. user-000042)" };
        var command = new Command("get", "Print one key's state from its partition's latest committed snapshot (its JSON value); exit code 1 when the key has none")
        {
            key,
        }.WithStateOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var wanted = parse.GetValue(key)!;
            return await StateCommand.WithSnapshotsAsync(parse, async snapshots =>
            {
                var asked = parse.GetValue(StateCommand.StateName) ?? [];
                if (asked.Length > 1)
                {
                    throw CliException.Usage("state get reads one state: give one --state.");
                }

                var states = await snapshots.StatesAsync(asked, cancellationToken);
                if (states.Count > 1)
                {
                    throw CliException.Usage($"application '{snapshots.Application}' has several states ({string.Join(", ", states)}): say which with --state.");
                }

                var state = states[0];
                var partition = new PartitionMap(snapshots.PartitionCount).GetPartition(wanted);
                var (_, partitionId, snapshotId) = (await snapshots.ResolveAsync(state, [partition], cancellationToken))[0];
                var (read, value) = await snapshots.Reader.GetAsync(partitionId, snapshotId, wanted, cancellationToken);
                if (value is null)
                {
                    throw CliException.Runtime($"key '{wanted}' has no state in {partitionId} (snapshot {read.SnapshotId} of {read.CreatedAt:O}).");
                }

                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
                {
                    if (output.IsJson)
                    {
                        StateJsonLine.Write(writer, state, partition, wanted, value, read.SnapshotId);
                    }
                    else if (StateJsonLine.IsJson(value))
                    {
                        writer.WriteRawValue(value, skipInputValidation: true);
                    }
                    else
                    {
                        writer.WriteStringValue(Convert.ToBase64String(value));
                    }
                }

                output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }
}
