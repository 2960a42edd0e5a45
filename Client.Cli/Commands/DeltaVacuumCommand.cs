using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Cli.Commands;

internal static class DeltaVacuumCommand
{
    /// <summary>Delta's deletedFileRetentionDuration (the table code's <see cref="DeltaTableOptions.TombstoneRetention"/>): shorter needs --force.</summary>
    internal static readonly TimeSpan MinimumRetention = new DeltaTableOptions().TombstoneRetention;

    public static Command Create()
    {
        var retention = new Option<Duration>("--retention")
        {
            Description = $"Delete only files unreferenced for longer than this ({DurationArgument.Examples}); below {DurationArgument.Format(MinimumRetention)} only with --force",
            CustomParser = DurationArgument.Parse,
            DefaultValueFactory = _ => new Duration(MinimumRetention),
        };
        var force = new Option<bool>("--force") { Description = $"Allow a --retention below {DurationArgument.Format(MinimumRetention)}: readers of older table versions (time travel, long queries) may then fail" };
        var dryRun = new Option<bool>("--dry-run") { Description = "List the files that would be deleted; delete nothing" };
        var full = new Option<bool>("--full")
        {
            Description = "Also delete files the log never referenced (uploads of failed commits), by their S3 age; default: only files removed from the table",
        };
        var command = new Command(
            "vacuum",
            "Delete the table's data files that its latest version no longer references, once unreferenced for longer than --retention; the log and live files are never touched")
        {
            retention, force, dryRun, full,
        }.WithTableOptions();
        command.Validators.Add(result =>
        {
            TimeSpan value;
            try
            {
                // A validator sees no result for an option left out (its default is not applied yet).
                value = result.GetResult(retention) is { } given ? given.GetValueOrDefault<Duration>().Value : MinimumRetention;
            }
            catch (InvalidOperationException)
            {
                return;
            }

            if (value < MinimumRetention && !(result.GetResult(force) is { } forced && forced.GetValueOrDefault<bool>()))
            {
                // Refused before anything is read: a usage error, like any other the command line makes.
                result.AddError(
                    $"--retention {DurationArgument.Format(value)} is shorter than {DurationArgument.Format(MinimumRetention)} (7 days): readers of older table versions could lose files they still need; add --force to vacuum anyway.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var options = new DeltaVacuumOptions
            {
                Retention = parse.GetValue(retention).Value,
                Force = parse.GetValue(force),
                DryRun = parse.GetValue(dryRun),
                Mode = parse.GetValue(full) ? DeltaVacuumMode.Full : DeltaVacuumMode.Lite,
            };
            return await DeltaCommand.WithTableAsync(DeltaCommand.SinkOptions(parse), async (table, snapshot) =>
            {
                var result = await table.VacuumAsync(options, cancellationToken);
                var uri = table.Storage.Uri;
                var age = DurationArgument.Format(options.Retention);
                if (output.IsJson)
                {
                    output.WriteJson(new
                    {
                        table = uri,
                        version = snapshot.Version,
                        mode = options.Mode,
                        retentionHours = Math.Round(options.Retention.TotalHours, 6),
                        dryRun = result.DryRun,
                        files = result.Files,
                        bytes = result.Bytes,
                    });
                }
                else if (result.Files.Count == 0)
                {
                    output.WriteLine($"Nothing to vacuum in {uri}: no {(options.Mode == DeltaVacuumMode.Full ? "unreferenced" : "removed")} file has been unreferenced for longer than {age}.");
                }
                else if (result.DryRun)
                {
                    output.WriteLine($"Would delete {result.Files.Count:N0} files ({ByteSizeArgument.Format(result.Bytes)}) from {uri}, unreferenced for longer than {age} (dry run: nothing deleted):");
                    foreach (var file in result.Files)
                    {
                        output.WriteLine($"  {file}");
                    }
                }
                else
                {
                    output.WriteLine($"Deleted {result.Files.Count:N0} files ({ByteSizeArgument.Format(result.Bytes)}) from {uri}, unreferenced for longer than {age}.");
                }

                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }
}
