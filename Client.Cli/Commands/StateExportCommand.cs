using System.CommandLine;
using System.Text.Json;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.State;
using KinesisGrains.KeyedState.Export;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains state export</c>: every key's state of the application's partitions, from each partition's latest
/// committed snapshot, as JSON lines to a file or an S3 object, with a summary beside it.
/// </summary>
internal static class StateExportCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to")
        {
            Description = "Where the JSON lines go: a file, or s3://bucket/key.jsonl; the summary goes beside it as {name}_export.json",
            Required = true,
        };
        var keyPrefix = new Option<string?>("--key-prefix") { Description = "Only keys that start with this" };
        var partition = new Option<int?>("--partition") { Description = "Only this partition (0 to the partition count - 1)" };
        var command = new Command(
            "export",
            "Write every key's state from the partitions' latest committed snapshots as JSON lines {state, partition, key, value}; keys whose time-to-live ran out are left out")
        {
            to, keyPrefix, partition,
        }.WithStateOptions();
        command.Validators.Add(result =>
        {
            if (result.GetResult(StateCommand.SnapshotId) is { Implicit: false } && result.GetResult(partition) is null or { Implicit: true })
            {
                result.AddError("--snapshot-id needs --partition: snapshot ids are per partition.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var destination = ExportDestination.Parse(parse.GetValue(to)!);
            var prefix = parse.GetValue(keyPrefix);
            return await StateCommand.WithSnapshotsAsync(parse, async snapshots =>
            {
                var onePartition = parse.GetValue(partition);
                if (onePartition is { } p && (p < 0 || p >= snapshots.PartitionCount))
                {
                    throw CliException.Usage($"--partition {p} is not a partition of application '{snapshots.Application}': it has {snapshots.PartitionCount} (0 to {snapshots.PartitionCount - 1}).");
                }

                var states = await snapshots.StatesAsync(parse.GetValue(StateCommand.StateName) ?? [], cancellationToken);

                // Every partition's snapshot first: a missing one is refused before anything is downloaded.
                var plan = new List<(string State, IReadOnlyList<(int Partition, string PartitionId, long SnapshotId)> Partitions)>();
                foreach (var state in states)
                {
                    plan.Add((state, await snapshots.ResolveAsync(state, onePartition is { } only ? [only] : Enumerable.Range(0, snapshots.PartitionCount), cancellationToken)));
                }

                var reads = new List<(string State, int Partition, PartitionSnapshotRead Read)>();
                try
                {
                    await using (var file = new FileStream(destination.WorkingPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                    await using (var writer = new Utf8JsonWriter(file))
                    {
                        var work = plan.SelectMany(p => p.Partitions.Select(partition => (p.State, partition.Partition, partition.PartitionId, partition.SnapshotId))).ToList();
                        await ForEachDownloadedAsync(snapshots.Reader, work.Select(w => (w.PartitionId, w.SnapshotId)).ToList(), async (index, snapshot) =>
                        {
                            var (state, number, _, _) = work[index];
                            var read = await snapshots.Reader.ReadAsync(snapshot, prefix, async (entry, token) =>
                            {
                                StateJsonLine.Write(writer, state, number, entry.Key, entry.Value);
                                writer.Flush();
                                file.WriteByte((byte)'\n');
                                writer.Reset();
                                if (file.Position > 1 << 20)
                                {
                                    await file.FlushAsync(token);
                                }
                            }, cancellationToken);
                            reads.Add((state, number, read));
                        }, cancellationToken);
                    }

                    var summary = Summary(snapshots, destination, prefix, reads);
                    await destination.CompleteAsync(JsonSerializer.SerializeToUtf8Bytes(summary, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), snapshots.S3, cancellationToken);
                    if (output.IsJson)
                    {
                        output.WriteJson(summary);
                    }
                    else
                    {
                        var expired = reads.Sum(r => r.Read.ExpiredKeys);
                        output.WriteLine(
                            $"Exported {summary.Keys} keys of {string.Join(", ", states)} from {reads.Count} partition snapshots ({snapshots.Source.Description}) to {destination.Given}"
                            + (expired > 0 ? $"; {expired} expired keys left out" : "")
                            + $"; summary in {destination.SummaryLocation}.");
                    }

                    return ExitCodes.Success;
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    destination.Abandon();
                    throw CliException.Runtime($"cannot write the export to '{destination.Given}': {KgrainsCli.Sentence(exception.Message)}", exception);
                }
                catch
                {
                    destination.Abandon();
                    throw;
                }
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>Snapshots downloaded ahead of the one being written, to hide S3's latency behind the writing.</summary>
    private const int DownloadsAhead = 3;

    /// <summary>
    /// Runs <paramref name="read"/> on each snapshot in order, while the next ones download (at most
    /// <see cref="DownloadsAhead"/> at once); each is deleted after its read, and those still downloading when a read fails.
    /// </summary>
    private static async Task ForEachDownloadedAsync(
        OfflineStateReader reader, IReadOnlyList<(string PartitionId, long SnapshotId)> snapshots, Func<int, DownloadedSnapshot, Task> read, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var downloads = new Queue<Task<DownloadedSnapshot>>();
        var next = 0;
        try
        {
            for (var index = 0; index < snapshots.Count; index++)
            {
                while (next < snapshots.Count && downloads.Count < DownloadsAhead)
                {
                    downloads.Enqueue(reader.DownloadAsync(snapshots[next].PartitionId, snapshots[next].SnapshotId, stop.Token));
                    next++;
                }

                using var snapshot = await downloads.Dequeue();
                await read(index, snapshot);
            }
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var download in downloads)
            {
                try
                {
                    (await download).Dispose();
                }
                catch (Exception)
                {
                    // Cancelled or failed: it deleted its own folder; the first failure is the one reported.
                }
            }
        }
    }

    private static ExportSummary Summary(
        ApplicationSnapshots snapshots, ExportDestination destination, string? keyPrefix, List<(string State, int Partition, PartitionSnapshotRead Read)> reads) => new(
        snapshots.Application,
        snapshots.Incarnation,
        snapshots.Location,
        snapshots.Source.Description,
        destination.Given,
        keyPrefix,
        snapshots.PartitionCount,
        reads.Sum(r => r.Read.Keys),
        reads.Sum(r => r.Read.ExpiredKeys),
        [.. reads.GroupBy(r => r.State).Select(group => new ExportedState(
            group.Key,
            group.Sum(r => r.Read.Keys),
            [.. group.Select(r => new ExportedPartition(
                r.Partition, r.Read.PartitionId, r.Read.SnapshotId, r.Read.CreatedAt, r.Read.Epoch, r.Read.Keys, r.Read.ExpiredKeys, r.Read.Watermark, r.Read.Covered))]))]);

    /// <summary>The summary document: what was exported from which snapshots, and how far each covers its shards.</summary>
    internal sealed record ExportSummary(
        string Application,
        string Incarnation,
        string Snapshots,
        string Source,
        string To,
        string? KeyPrefix,
        int PartitionCount,
        long Keys,
        long ExpiredKeys,
        IReadOnlyList<ExportedState> States);

    internal sealed record ExportedState(string State, long Keys, IReadOnlyList<ExportedPartition> Partitions);

    internal sealed record ExportedPartition(
        int Partition,
        string PartitionId,
        long SnapshotId,
        DateTimeOffset CreatedAt,
        long? Epoch,
        long Keys,
        long ExpiredKeys,
        long? Watermark,
        IReadOnlyDictionary<string, string> Covered);
}
