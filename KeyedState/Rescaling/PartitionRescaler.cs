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
/// Keys are stored by key group (<see cref="KeyGroups"/>), so a partition's keys are one range of groups. A new
/// partition starts as a copy of the old store it overlaps most (a RocksDB checkpoint: its files hard-linked) and drops
/// the groups outside its own range by range (<see cref="IKeyValueStore.DropRange"/>: whole files deleted, the rest
/// compacted); only what a range cannot say is moved key by key, into sorted files it ingests (no memtable, flush or
/// compaction): the keys of the other old stores it overlaps (rescaled down), the two groups at its ends when P' does
/// not divide G, and the timers, which are ordered by time, not by group. Rescaled up, a new partition overlaps one
/// old one (or two, when P does not divide P'), so most of the state moves by range.
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
    /// <param name="sources">Old partition p's store at index p (in the key-group layout: <see cref="KeyGroupUpgrade"/>).</param>
    /// <param name="targetCount">P': how many partitions the state is cut into.</param>
    /// <param name="openTarget">Creates new partition p's store, empty or as a copy of an old store; the caller disposes it.</param>
    /// <param name="mergesParts">The state's partition grain merges parts of a key (its snapshots say so).</param>
    /// <param name="workDirectory">Where the sorted files loaded into the targets are written (a folder of its own under the temp folder by default).</param>
    public static RescaleResult Rescale(
        string stateName, IReadOnlyList<IKeyValueStore> sources, int targetCount, TargetStoreFactory openTarget, bool mergesParts = false, string? workDirectory = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sources.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetCount, 1);
        var oldMap = new PartitionMap(sources.Count);
        var newMap = new PartitionMap(targetCount);
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
                + $"and {targetCount} partitions from {sources.Count} put several parts of a key in one partition, which its partition grain does not merge "
                + "(override MergesParts and MergeParts): such a state can only be rescaled up.");
        }

        if (!spread)
        {
            for (var p = 0; p < sources.Count; p++)
            {
                CheckHomes(stateName, p, sources[p], oldMap);
            }
        }

        var runs = workDirectory ?? Path.Combine(Path.GetTempPath(), $"kgrains-rescale-runs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(runs);
        var targets = new IKeyValueStore[targetCount];
        var latestTouches = targets.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
        try
        {
            var copied = spread
                ? MoveParts(sources, targets, openTarget, partTargets, meeting, latestTouches, runs)
                : Cut(sources, targets, openTarget, newMap, partTargets, runs);

            // Read once: an old partition's ledger and watermarks go into every new partition its range overlaps.
            var sourceLedgers = sources.Select(PartitionLedgerStore.Load).ToArray();
            var sourceWatermarks = sources.Select(PartitionWatermarkStore.Load).ToArray();
            var latestEpoch = sourceLedgers.Max(l => l.Epoch);
            var ledgers = new PartitionLedger[targetCount];
            for (var target = 0; target < targetCount; target++)
            {
                var parts = new List<(ulong First, ulong Last, PartitionLedger Ledger)>();
                var watermarks = new List<PartitionWatermark>();
                for (var source = 0; source < sources.Count; source++)
                {
                    if (PartitionRanges.Overlap(source, sources.Count, target, targetCount) is { } overlap)
                    {
                        parts.Add((overlap.First, overlap.Last, sourceLedgers[source]));
                        watermarks.Add(sourceWatermarks[source]);
                    }
                }

                using var batch = targets[target].CreateBatch();
                foreach (var (name, touched) in latestTouches[target])
                {
                    var value = new byte[sizeof(long)];
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(value, touched);
                    batch.Put(StateKeys.Touched(name), value);
                }

                // Epochs above every old partition's: a sink keeps the epochs it committed per partition number, and
                // new partition q is not old partition q (its rows under a lower epoch would be skipped as committed).
                ledgers[target] = PartitionLedger.Merge(parts);
                ledgers[target].SkipEpochsTo(latestEpoch);
                PartitionLedgerStore.PutAll(batch, ledgers[target]);
                var (shards, current) = MergeWatermarks(watermarks);
                PartitionWatermarkStore.Put(batch, shards, current);
                targets[target].Write(batch);
            }

            return new RescaleResult(ledgers, spread, meeting.Count, copied.Keys, copied.CutByRange);
        }
        finally
        {
            if (workDirectory is null)
            {
                Directory.Delete(runs, recursive: true);
            }
        }
    }

    /// <summary>
    /// The cut of a state whose keys are where their hash says: each new partition from a copy of the old store it
    /// overlaps most, cut to its groups by range, and the keys of the other old stores it overlaps loaded into it.
    /// </summary>
    /// <returns>The keys moved one by one, and the new stores made from a copy.</returns>
    private static (long Keys, int CutByRange) Cut(
        IReadOnlyList<IKeyValueStore> sources, IKeyValueStore[] targets, TargetStoreFactory openTarget, PartitionMap newMap, int[] partTargets, string runs)
    {
        long keys = 0;

        // Each new store is cut on its own (the old ones are only read), the compactions at its ends in parallel.
        Parallel.For(0, targets.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, target =>
        {
            long copied = 0;
            var overlapping = Enumerable.Range(0, sources.Count)
                .Select(s => (Source: s, Overlap: PartitionRanges.Overlap(s, sources.Count, target, targets.Length)))
                .Where(o => o.Overlap is not null)
                .Select(o => (o.Source, First: o.Overlap!.Value.First, Last: o.Overlap.Value.Last))
                .ToList();
            var copyOf = overlapping.MaxBy(o => o.Last - o.First).Source;
            var store = targets[target] = openTarget(target, sources[copyOf]);
            var (firstGroup, lastGroup) = PartitionRanges.Groups(target, targets.Length);
            bool Owns(ReadOnlySpan<byte> utf8Key) => newMap.GetPartition(Hash(utf8Key)) == target;

            // Whole groups first, each range compacted on its own while its tombstone is alone in the memtable, so the
            // compaction rewrites only the files at its ends.
            foreach (var kind in (ReadOnlySpan<byte>)[StateKeys.StateKind, StateKeys.TouchedKind])
            {
                if (firstGroup > 0)
                {
                    var (lower, upper) = StateKeys.GroupRange(kind, 0, firstGroup - 1);
                    store.DropRange(lower, upper);
                }

                if (lastGroup < KeyGroups.Count - 1)
                {
                    var (lower, upper) = StateKeys.GroupRange(kind, lastGroup + 1, KeyGroups.Count - 1);
                    store.DropRange(lower, upper);
                }
            }

            using (var batch = store.CreateBatch())
            {
                KeyValueVisitor delete = (key, _) =>
                {
                    batch.Delete(key);
                    return true;
                };

                // The copy's metadata is written anew from the merged ledgers; its dead letters are another's to write out.
                store.Scan([StateKeys.MetadataKind], [StateKeys.MetadataKind + 1], delete);
                if (partTargets[copyOf] != target)
                {
                    store.Scan([StateKeys.DeadLetterKind], [StateKeys.DeadLetterKind + 1], delete);
                }

                foreach (var kind in (ReadOnlySpan<byte>)[StateKeys.StateKind, StateKeys.TouchedKind])
                {
                    // The groups at the ends may hold a neighbour's keys too (P' does not divide G).
                    foreach (var group in firstGroup == lastGroup ? [firstGroup] : (int[])[firstGroup, lastGroup])
                    {
                        var (lower, upper) = StateKeys.GroupRange(kind, group, group);
                        store.Scan(lower, upper, (key, _) =>
                        {
                            if (!Owns(StateKeys.Utf8KeyOfGrouped(key)))
                            {
                                batch.Delete(key);
                            }

                            return true;
                        });
                    }
                }

                store.Scan([StateKeys.TimerKind], [StateKeys.TimerKind + 1], (key, _) =>
                {
                    if (!Owns(key[StateKeys.TimerPrefixLength..]))
                    {
                        batch.Delete(key);
                    }

                    return true;
                });
                store.Write(batch);
            }

            // Rescaled down: the other old stores' part of this range, key by key, in store order into one sorted file each.
            var files = new List<string>();
            foreach (var (source, _, _) in overlapping.Where(o => o.Source != copyOf))
            {
                using var writer = store.CreateSortedFileWriter(Path.Combine(runs, $"t{target:D5}-s{source:D5}.sst"));
                if (partTargets[source] == target)
                {
                    sources[source].Scan([StateKeys.DeadLetterKind], [StateKeys.DeadLetterKind + 1], (key, value) =>
                    {
                        writer.Put(key, value);
                        return true;
                    });
                }

                sources[source].Scan([StateKeys.TimerKind], [StateKeys.TimerKind + 1], (key, value) =>
                {
                    if (Owns(key[StateKeys.TimerPrefixLength..]))
                    {
                        writer.Put(key, value);
                    }

                    return true;
                });
                foreach (var kind in (ReadOnlySpan<byte>)[StateKeys.StateKind, StateKeys.TouchedKind])
                {
                    var (lower, upper) = StateKeys.GroupRange(kind, firstGroup, lastGroup);
                    var counted = kind == StateKeys.StateKind;
                    sources[source].Scan(lower, upper, (key, value) =>
                    {
                        var group = StateKeys.GroupOfGrouped(key);
                        if ((group != firstGroup && group != lastGroup) || Owns(StateKeys.Utf8KeyOfGrouped(key)))
                        {
                            writer.Put(key, value);
                            copied += counted ? 1 : 0;
                        }

                        return true;
                    });
                }

                if (writer.Finish())
                {
                    files.Add(writer.File);
                }
            }

            if (files.Count > 0)
            {
                store.IngestFiles(files);
            }
            Interlocked.Add(ref keys, copied);
        });

        return (keys, targets.Length);
    }

    /// <summary>
    /// The move of a spread state: each old store's keys, timers and dead letters to the new partition of its first
    /// hash, key by key; where several meet, the states as parts and each key's latest touch (written with the ledgers).
    /// </summary>
    private static (long Keys, int CutByRange) MoveParts(
        IReadOnlyList<IKeyValueStore> sources, IKeyValueStore[] targets, TargetStoreFactory openTarget, int[] partTargets, HashSet<int> meeting,
        Dictionary<string, long>[] latestTouches, string runs)
    {
        for (var target = 0; target < targets.Length; target++)
        {
            targets[target] = openTarget(target, copyOf: null);
        }

        long keys = 0;
        var files = targets.Select(_ => new List<string>()).ToArray();
        for (var source = 0; source < sources.Count; source++)
        {
            var target = partTargets[source];
            var merging = meeting.Contains(target);

            // Each scan is in store order; parts sort after everything else but touches, which merging ones are not written.
            using var writer = targets[target].CreateSortedFileWriter(Path.Combine(runs, $"t{target:D5}-s{source:D5}.sst"));
            using var parts = targets[target].CreateSortedFileWriter(Path.Combine(runs, $"t{target:D5}-s{source:D5}-parts.sst"));
            sources[source].Scan([StateKeys.DeadLetterKind], [StateKeys.TouchedKind + 1], (key, value) =>
            {
                switch (key[0])
                {
                    case StateKeys.StateKind when merging:
                        parts.Put(StateKeys.Part(source, StateKeys.Utf8KeyOfGrouped(key)), value);
                        keys++;
                        break;
                    case StateKeys.TouchedKind when merging:
                        // The merged key lives from its latest touch in any part (written once all are read).
                        var touched = System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(value);
                        var name = StateKeys.KeyOfGrouped(key);
                        latestTouches[target][name] = Math.Max(latestTouches[target].GetValueOrDefault(name, long.MinValue), touched);
                        break;
                    case StateKeys.DeadLetterKind or StateKeys.TimerKind or StateKeys.StateKind or StateKeys.TouchedKind:
                        writer.Put(key, value);
                        keys += key[0] == StateKeys.StateKind ? 1 : 0;
                        break;
                    default:
                        throw new InvalidOperationException($"Store key of kind {key[0]} was not checked.");
                }

                return true;
            });

            foreach (var file in (ReadOnlySpan<SortedFileWriter>)[writer, parts])
            {
                if (file.Finish())
                {
                    files[target].Add(file.File);
                }
            }
        }

        for (var target = 0; target < targets.Length; target++)
        {
            if (files[target].Count > 0)
            {
                targets[target].IngestFiles(files[target]);
            }
        }

        return (keys, 0);
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

        // Keys of the layout before key groups (a source is upgraded when it opens), and kinds this version does not know.
        (byte[] Lower, byte[] Upper)[] unexpected =
        [
            ([StateKeys.LegacyStateKind], [StateKeys.LegacyStateKind + 1]),
            ([StateKeys.LegacyTouchedKind], [StateKeys.LegacyTouchedKind + 1]),
            ([StateKeys.TouchedKind + 1], [byte.MaxValue]),
        ];
        foreach (var (lower, upper) in unexpected)
        {
            store.Scan(lower, upper, (key, _) =>
            {
                problem ??= key[0] is StateKeys.LegacyStateKind or StateKeys.LegacyTouchedKind
                    ? $"partition {partition} of {stateName} holds store keys of the layout before key groups (kind {key[0]}), not upgraded"
                    : $"partition {partition} of {stateName} holds store keys of kind {key[0]}, which this version does not know: rescale it with the version that wrote them";
                return false;
            });
        }

        if (problem is not null)
        {
            throw new RescaleRefusedException($"Cannot rescale: {problem}.");
        }

        // A spread state's keys are nearly all parts (foreign to the partition); CheckHomes looks at the rest of one not spread.
        var spread = false;
        var sampled = 0;
        var (groupsFrom, groupsTo) = StateKeys.GroupRange(StateKeys.StateKind, 0, KeyGroups.Count - 1);
        store.Scan(groupsFrom, groupsTo, (key, _) =>
        {
            spread = map.GetPartition(Hash(StateKeys.Utf8KeyOfGrouped(key))) != partition;
            return !spread && ++sampled < SpreadSample;
        });
        return spread;
    }

    /// <summary>
    /// Refuses a store of a state not spread with a key its hash puts elsewhere (it would be dropped or put over
    /// another's): none in the groups outside its range (a seek each side), and none in the two groups at its ends.
    /// </summary>
    private static void CheckHomes(string stateName, int partition, IKeyValueStore store, PartitionMap map)
    {
        var (firstGroup, lastGroup) = PartitionRanges.Groups(partition, map.PartitionCount);
        string? stranger = null;
        bool Visit(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            var utf8Key = StateKeys.Utf8KeyOfGrouped(key);
            if (map.GetPartition(Hash(utf8Key)) != partition)
            {
                stranger = Encoding.UTF8.GetString(utf8Key);
                return false;
            }

            return true;
        }

        foreach (var kind in (ReadOnlySpan<byte>)[StateKeys.StateKind, StateKeys.TouchedKind])
        {
            foreach (var (from, to) in (ReadOnlySpan<(int, int)>)[(0, firstGroup - 1), (lastGroup + 1, KeyGroups.Count - 1), (firstGroup, firstGroup), (lastGroup, lastGroup)])
            {
                if (stranger is null && from <= to)
                {
                    var (lower, upper) = StateKeys.GroupRange(kind, from, to);
                    store.Scan(lower, upper, Visit);
                }
            }
        }

        if (stranger is not null)
        {
            throw new RescaleRefusedException(
                $"Cannot rescale: partition {partition} of {stateName} holds key '{stranger}', whose hash is partition {map.GetPartition(PartitionMap.HashOf(stranger))}'s, "
                + "but the first keys of every partition were where their hash says: a state must keep all its keys by hash, or parts of them in every partition.");
        }
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

/// <summary>
/// Creates a new partition's store for a rescale: empty, or as a consistent copy of <paramref name="copyOf"/> (a RocksDB
/// checkpoint). Called for several new partitions at once (they are cut in parallel).
/// </summary>
internal delegate IKeyValueStore TargetStoreFactory(int target, IKeyValueStore? copyOf);
