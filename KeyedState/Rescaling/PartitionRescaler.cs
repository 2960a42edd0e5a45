using System.Text;
using KinesisGrains.Abstractions.Hashing;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.KeyedState.EventTime;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.KeyedState.Outputs;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>
/// Makes P' partitions' stores of one state out of its P partitions' stores (each as of a snapshot): every key's
/// state, timers and time-to-live go to the new partition of its hash, each new partition's ledger is the merge of
/// the parts of old ledgers it takes (<see cref="PartitionLedger.Merge"/>: a part keeps its own floor until the new
/// partition's coverage passes it), its shard watermarks the earliest of theirs, its own watermark and epoch the latest.
/// </summary>
/// <remarks>
/// Keys are stored by name, not by key group, so a key moves by a read and a write, into sorted files the new stores
/// ingest (no memtable, flush or compaction); the partitions' ranges are contiguous, so each new partition reads from
/// at most ⌈P/P'⌉ + 1 old ones.
/// A state whose keys are not where their hash says (a view routed by the primary key, a grain that keys its batches
/// anew: each partition holds a part of such a key, made of the events of its own range) is moved part by part: old
/// partition p's whole store goes to the new partition of p's first hash, which from then on adds the events of its
/// own range to it. Rescaled down, several old partitions' parts meet in one new partition: they are written as parts
/// (<see cref="StateKeys.Part"/>) that the partition grain merges when it opens, if it merges parts at all.
/// Refused, before anything is written: rows staged for sinks (whether a sink committed them is the sink's to say, and
/// a new partition would hand them over under another partition's name; a graceful hand-over leaves none), a spread
/// state rescaled down whose grain does not merge parts, and parts of an earlier rescale not merged yet. Every new
/// partition's epoch is the latest of all old partitions', so no sink takes its rows for ones it committed.
/// </remarks>
internal static class PartitionRescaler
{
    /// <summary>How many keys of each old partition are looked at to tell a spread state.</summary>
    private const int SpreadSample = 1000;

    /// <param name="stateName">For messages.</param>
    /// <param name="sources">Old partition p's store at index p.</param>
    /// <param name="targets">New partition p's (empty) store at index p.</param>
    /// <param name="mergesParts">The state's partition grain merges parts of a key (its snapshots say so).</param>
    /// <param name="workDirectory">Where the sorted files loaded into the targets are written (a folder of its own under the temp folder by default).</param>
    public static RescaleResult Rescale(
        string stateName, IReadOnlyList<IKeyValueStore> sources, IReadOnlyList<IKeyValueStore> targets, bool mergesParts = false, string? workDirectory = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sources.Count);
        ArgumentOutOfRangeException.ThrowIfZero(targets.Count);
        var oldMap = new PartitionMap(sources.Count);
        var newMap = new PartitionMap(targets.Count);
        var spread = false;
        for (var p = 0; p < sources.Count; p++)
        {
            spread |= Check(stateName, p, sources[p], oldMap);
        }

        // Where each old partition's keys without a hash-given home go: the new partition of its first hash.
        var partTargets = Enumerable.Range(0, sources.Count)
            .Select(p => newMap.GetPartition((UInt128)PartitionRanges.FirstHash(p, sources.Count) << 64))
            .ToArray();
        var meeting = spread ? partTargets.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet() : [];
        if (meeting.Count > 0 && !mergesParts)
        {
            throw new RescaleRefusedException(
                $"Cannot rescale: {stateName} keeps a part of a key in each partition (a view routed by the primary key, or a grain that keys its batches anew), "
                + $"and {targets.Count} partitions from {sources.Count} put several parts of a key in one partition, which its partition grain does not merge "
                + "(override MergesParts and MergeParts): such a state can only be rescaled up.");
        }

        // A key of a state not spread is where its hash says (a sample of each partition's keys decided spread):
        // one that is not would be put over a part of the same key from another partition, so nothing goes on.
        int HomeOf(ReadOnlySpan<byte> utf8Key, int source)
        {
            var hash = Hash(utf8Key);
            if (oldMap.GetPartition(hash) != source)
            {
                throw new RescaleRefusedException(
                    $"Cannot rescale: partition {source} of {stateName} holds key '{Encoding.UTF8.GetString(utf8Key)}', whose hash is partition {oldMap.GetPartition(hash)}'s, "
                    + "but the first keys of every partition were where their hash says: a state must keep all its keys by hash, or parts of them in every partition.");
            }

            return newMap.GetPartition(hash);
        }

        // Each old partition's scan is in key order, so what it gives a new partition is too: a sorted file per (old,
        // new) pair (two for parts, whose keys sort after the rest), bulk-loaded at the end without memtable or compaction.
        var runs = workDirectory ?? Path.Combine(Path.GetTempPath(), $"kgrains-rescale-runs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(runs);
        var batches = targets.Select(t => t.CreateBatch()).ToArray();
        var files = targets.Select(_ => new List<string>()).ToArray();
        var latestTouches = targets.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
        var keys = new long[targets.Count];
        var writers = new SortedFileWriter?[targets.Count, 2];
        SortedFileWriter Writer(int target, int source, int kind) =>
            writers[target, kind] ??= targets[target].CreateSortedFileWriter(Path.Combine(runs, $"t{target:D5}-s{source:D5}-{kind}.sst"));
        try
        {
            for (var source = 0; source < sources.Count; source++)
            {
                // Dead letters staged with the state have no key here: the new partition of the old one's first hash
                // writes them out (dead letters are at least once; none is lost).
                var partTarget = partTargets[source];
                sources[source].Scan([StateKeys.StateKind], [StateKeys.TouchedKind + 1], (key, value) =>
                {
                    var target = key[0] switch
                    {
                        StateKeys.DeadLetterKind => partTarget,
                        _ when spread => partTarget,
                        StateKeys.StateKind => HomeOf(key[1..], source),
                        StateKeys.TouchedKind => newMap.GetPartition(Hash(key[1..])),
                        StateKeys.TimerKind => newMap.GetPartition(Hash(key[StateKeys.TimerPrefixLength..])),
                        _ => throw new InvalidOperationException($"Store key of kind {key[0]} was not checked."),
                    };

                    if (key[0] == StateKeys.StateKind)
                    {
                        keys[target]++;
                    }

                    if (key[0] == StateKeys.StateKind && meeting.Contains(target))
                    {
                        Writer(target, source, 1).Put(StateKeys.Part(source, key[1..]), value);
                    }
                    else if (key[0] == StateKeys.TouchedKind && meeting.Contains(target))
                    {
                        // The merged key lives from its latest touch in any part (written once all are read).
                        var touched = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(value);
                        var name = Encoding.UTF8.GetString(key[1..]);
                        latestTouches[target][name] = Math.Max(latestTouches[target].GetValueOrDefault(name, long.MinValue), touched);
                    }
                    else
                    {
                        Writer(target, source, 0).Put(key, value);
                    }

                    return true;
                });

                for (var target = 0; target < targets.Count; target++)
                {
                    for (var kind = 0; kind < 2; kind++)
                    {
                        if (writers[target, kind] is { } writer)
                        {
                            if (writer.Finish())
                            {
                                files[target].Add(writer.File);
                            }

                            writer.Dispose();
                            writers[target, kind] = null;
                        }
                    }
                }
            }

            for (var target = 0; target < targets.Count; target++)
            {
                if (files[target].Count > 0)
                {
                    targets[target].IngestFiles(files[target]);
                }
            }

            // Read once: an old partition's ledger and watermarks go into every new partition its range overlaps.
            var sourceLedgers = sources.Select(PartitionLedgerStore.Load).ToArray();
            var sourceWatermarks = sources.Select(PartitionWatermarkStore.Load).ToArray();
            var latestEpoch = sourceLedgers.Max(l => l.Epoch);
            var ledgers = new PartitionLedger[targets.Count];
            for (var target = 0; target < targets.Count; target++)
            {
                var parts = new List<(ulong First, ulong Last, PartitionLedger Ledger)>();
                var watermarks = new List<PartitionWatermark>();
                for (var source = 0; source < sources.Count; source++)
                {
                    if (PartitionRanges.Overlap(source, sources.Count, target, targets.Count) is { } overlap)
                    {
                        parts.Add((overlap.First, overlap.Last, sourceLedgers[source]));
                        watermarks.Add(sourceWatermarks[source]);
                    }
                }

                foreach (var (name, touched) in latestTouches[target])
                {
                    var value = new byte[sizeof(long)];
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, touched);
                    batches[target].Put(StateKeys.Touched(name), value);
                }

                // Epochs above every old partition's: a sink keeps the epochs it committed per partition number, and
                // new partition q is not old partition q (its rows under a lower epoch would be skipped as committed).
                ledgers[target] = PartitionLedger.Merge(parts);
                ledgers[target].SkipEpochsTo(latestEpoch);
                PartitionLedgerStore.PutAll(batches[target], ledgers[target]);
                var (shards, current) = MergeWatermarks(watermarks);
                PartitionWatermarkStore.Put(batches[target], shards, current);
                targets[target].Write(batches[target]);
                batches[target].Clear();
            }

            return new RescaleResult(keys, ledgers, spread, meeting.Count);
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }

            foreach (var writer in writers)
            {
                writer?.Dispose();
            }

            if (workDirectory is null)
            {
                Directory.Delete(runs, recursive: true);
            }
        }
    }

    private static UInt128 Hash(ReadOnlySpan<byte> utf8Key) => ShortMd5.HashKey(utf8Key);

    /// <summary>Refuses a store the rescale would get wrong, before anything is written.</summary>
    /// <returns>True when a key is not in the partition of its hash (a part of a spread key).</returns>
    private static bool Check(string stateName, int partition, IKeyValueStore store, PartitionMap map)
    {
        string? problem = null;
        if (StagedRows.Any(store))
        {
            problem = $"partition {partition} of {stateName} holds rows staged for its sinks in its newest snapshot (only a sink knows whether it has "
                + "them, and a new partition would hand them over as another): a silo stopped by a crash or a kill leaves them there. Start the "
                + "application and stop it gracefully (a partition's hand-over commits its rows to the sinks and snapshots once more without them), "
                + "or rescale with --live; a sink that cannot commit keeps them staged";
        }

        var (partsFrom, partsTo) = StateKeys.PartRange;
        store.Scan(partsFrom, partsTo, (_, _) =>
        {
            problem ??= $"partition {partition} of {stateName} holds parts of keys an earlier rescale brought together, not merged yet: start the application once (a partition merges them when it opens), then rescale";
            return false;
        });

        store.Scan([StateKeys.PartKind + 1], [byte.MaxValue], (key, _) =>
        {
            problem ??= $"partition {partition} of {stateName} holds store keys of kind {key[0]}, which this version does not know: rescale it with the version that wrote them";
            return false;
        });

        if (problem is not null)
        {
            throw new RescaleRefusedException($"Cannot rescale: {problem}.");
        }

        // A spread state's keys are nearly all parts (foreign to the partition); the copy checks the rest of the keys.
        var spread = false;
        var sampled = 0;
        store.Scan([StateKeys.StateKind], [StateKeys.StateKind + 1], (key, _) =>
        {
            spread = map.GetPartition(Hash(key[1..])) != partition;
            return !spread && ++sampled < SpreadSample;
        });
        return spread;
    }

    /// <summary>
    /// Per shard the earliest watermark of the parts that heard it (ended only when it ended in all), and the latest
    /// partition watermark of those that have one: a window a part fired must not open again for a late event, so the
    /// new partition's watermark does not go back (the keys of a part that was behind may find events late; the parts
    /// of one barrier are not). The deterministic simulation found the earliest firing windows twice.
    /// </summary>
    private static (List<KeyValuePair<string, KnownShardWatermark>> Shards, long? Current) MergeWatermarks(IReadOnlyList<PartitionWatermark> parts)
    {
        var shards = new Dictionary<string, KnownShardWatermark>(StringComparer.Ordinal);
        var shardIds = parts.SelectMany(p => p.Shards.Keys).Distinct(StringComparer.Ordinal);
        foreach (var shardId in shardIds)
        {
            var known = parts.Select(p => p.Shards.TryGetValue(shardId, out var w) ? w : (KnownShardWatermark?)null).ToList();
            shards[shardId] = new KnownShardWatermark(
                known.Select(w => w?.Value).Where(v => v is not null).Min(),
                Idle: false,
                Ended: known.All(w => w is { Ended: true }));
        }

        return ([.. shards.OrderBy(s => s.Key, StringComparer.Ordinal)], parts.Select(p => p.Current).Max());
    }
}
