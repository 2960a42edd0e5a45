using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Cli.Commands;

internal static class DeltaOptimizeCommand
{
    /// <summary>The sink's default (<see cref="DeltaSinkOptions.TargetFileSize"/>, delta-rs' too).</summary>
    private static readonly ByteSize s_defaultTarget = new(new DeltaSinkOptions().TargetFileSize);

    public static Command Create()
    {
        var target = new Option<ByteSize>("--target-file-size")
        {
            Description = "Files smaller than this are compacted into files of up to this size: bytes, or with a unit (KiB, MiB, GiB; KB, MB, GB are powers of 1000); at least 1MiB",
            CustomParser = ByteSizeArgument.Parse,
            DefaultValueFactory = _ => s_defaultTarget,
        };
        target.Validators.Add(result =>
        {
            long value;
            try
            {
                value = result.GetValueOrDefault<ByteSize>().Bytes;
            }
            catch (InvalidOperationException)
            {
                return;
            }

            if (value < DeltaSinkOptions.MiB)
            {
                result.AddError($"--target-file-size must be at least 1MiB, not {ByteSizeArgument.Format(value)}.");
            }
        });

        var command = new Command(
            "optimize",
            "Compact the table's small files, per partition, into files of up to --target-file-size: one commit (dataChange=false), so readers see the same rows; the old files stay until a vacuum")
        {
            target,
        }.WithTableOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var size = parse.GetValue(target).Bytes;
            return await DeltaCommand.WithTableAsync(DeltaCommand.SinkOptions(parse, size), async (table, before) =>
            {
                var result = await table.OptimizeAsync(new DeltaOptimizeOptions { TargetFileSize = size }, cancellationToken);
                var uri = table.Storage.Uri;
                if (output.IsJson)
                {
                    output.WriteJson(new
                    {
                        table = uri,
                        targetFileSize = size,
                        compacted = result.Version is not null,
                        version = result.Version ?? before.Version,
                        filesRemoved = result.FilesRemoved,
                        filesAdded = result.FilesAdded,
                        bytesRemoved = result.BytesRemoved,
                        bytesAdded = result.BytesAdded,
                        partitionsOptimized = result.PartitionsOptimized,
                        rows = result.Rows,
                    });
                }
                else if (result.Version is { } version)
                {
                    output.WriteLine(
                        $"Compacted {result.FilesRemoved:N0} files ({ByteSizeArgument.Format(result.BytesRemoved)}) into {result.FilesAdded:N0} ({ByteSizeArgument.Format(result.BytesAdded)}), "
                        + $"{result.Rows:N0} rows in {result.PartitionsOptimized:N0} {(result.PartitionsOptimized == 1 ? "partition" : "partitions")}: version {version} of {uri}.");
                }
                else
                {
                    output.WriteLine($"Nothing to compact in {uri} at version {before.Version}: no partition has two or more files smaller than {ByteSizeArgument.Format(size)}.");
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }
}
