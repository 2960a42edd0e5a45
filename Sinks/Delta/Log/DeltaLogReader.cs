using System.Text.Json;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Replays a table's log into a <see cref="DeltaSnapshot"/>: <c>_last_checkpoint</c>, its checkpoint, then the JSON
/// commits after it in order (or every commit from 0 when there is no checkpoint). Versions must be contiguous.
/// </summary>
internal sealed class DeltaLogReader(DeltaTableStorage storage, IDeltaLogStore log)
{
    /// <summary>The latest snapshot of the table; version -1 when it has no commit yet.</summary>
    /// <exception cref="DeltaTableUnsupportedException">The table needs a newer reader or writer than (1, 2).</exception>
    public async Task<DeltaSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var snapshot = new DeltaSnapshot();
        var start = await ReadLastCheckpointAsync(cancellationToken);
        DeltaLogListing listing;
        if (start is { } checkpoint && await TryLoadCheckpointAsync(snapshot, checkpoint.Version, cancellationToken))
        {
            listing = await log.ListAsync(checkpoint.Version, cancellationToken);
        }
        else
        {
            listing = await log.ListAsync(-1, cancellationToken);

            // No pointer (or a stale one): the newest checkpoint the listing has, if any.
            var latest = listing.Commits.Count > 0 ? listing.Commits[^1] : -1;
            foreach (var version in listing.Checkpoints.Where(v => v <= latest).OrderDescending())
            {
                if (await TryLoadCheckpointAsync(snapshot, version, cancellationToken))
                {
                    listing = listing with { Commits = [.. listing.Commits.Where(c => c > version)] };
                    break;
                }
            }
        }

        await ApplyAsync(snapshot, listing.Commits, cancellationToken);
        return snapshot;
    }

    /// <summary>Moves <paramref name="snapshot"/> to the latest version.</summary>
    /// <returns>The commits applied, in order.</returns>
    public async Task<List<(long Version, List<DeltaAction> Actions)>> CatchUpAsync(DeltaSnapshot snapshot, CancellationToken cancellationToken)
    {
        var listing = await log.ListAsync(snapshot.Version, cancellationToken);
        return await ApplyAsync(snapshot, listing.Commits, cancellationToken);
    }

    private async Task<List<(long Version, List<DeltaAction> Actions)>> ApplyAsync(DeltaSnapshot snapshot, IReadOnlyList<long> versions, CancellationToken cancellationToken)
    {
        var applied = new List<(long, List<DeltaAction>)>();
        foreach (var version in versions)
        {
            if (version != snapshot.Version + 1)
            {
                throw new DeltaLogCorruptException($"{storage.Uri}/{DeltaLogPaths.LogDirectory} has no version {snapshot.Version + 1} before version {version}.");
            }

            var content = await log.ReadCommitAsync(version, cancellationToken)
                ?? throw new DeltaLogCorruptException($"{storage.Uri}/{DeltaLogPaths.Commit(version)} was listed but cannot be read.");
            var actions = DeltaLogJson.Read(content, DeltaLogPaths.Commit(version));
            snapshot.Apply(version, actions);
            Check(snapshot);
            applied.Add((version, actions));
        }

        return applied;
    }

    private async Task<DeltaLastCheckpoint?> ReadLastCheckpointAsync(CancellationToken cancellationToken)
    {
        var content = await storage.GetAsync(DeltaLogPaths.LastCheckpoint, cancellationToken);
        if (content is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<DeltaLastCheckpoint>(content, DeltaLogJson.Options);
        }
        catch (JsonException)
        {
            // Only a hint: the listing finds checkpoints as well.
            return null;
        }
    }

    private async Task<bool> TryLoadCheckpointAsync(DeltaSnapshot snapshot, long version, CancellationToken cancellationToken)
    {
        var file = await storage.GetAsync(DeltaLogPaths.Checkpoint(version), cancellationToken);
        if (file is null)
        {
            return false;
        }

        snapshot.Apply(version, await DeltaCheckpointFile.ReadAsync(file, cancellationToken));
        Check(snapshot);
        return true;
    }

    private void Check(DeltaSnapshot snapshot)
    {
        if (snapshot.Protocol is { } protocol
            && (protocol.MinReaderVersion > DeltaProtocol.Supported.MinReaderVersion || protocol.MinWriterVersion > DeltaProtocol.Supported.MinWriterVersion))
        {
            throw new DeltaTableUnsupportedException(
                $"Delta table {storage.Uri} needs reader version {protocol.MinReaderVersion} and writer version {protocol.MinWriterVersion} at version {snapshot.Version}; " +
                $"this writer supports reader 1 / writer 2 without table features and will not touch it.");
        }
    }
}
