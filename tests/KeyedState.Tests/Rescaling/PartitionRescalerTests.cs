using System.Text;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.KeyedState.EventTime;
using KinesisGrains.KeyedState.ExactlyOnce;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Rescaling;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Xunit;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.Tests.Rescaling;

/// <summary>Real RocksDB stores of one state split and merged into another partition count: every key kept, where its hash says.</summary>
public sealed class PartitionRescalerTests : IDisposable
{
    private const int Keys = 3000;
    private readonly TempDirectory _directory = new("rescale-tests");
    private readonly List<IKeyValueStore> _open = [];
    private readonly Dictionary<string, SortedDictionary<int, IKeyValueStore>> _made = [];

    public static TheoryData<int, int> Counts => new() { { 4, 6 }, { 4, 3 }, { 5, 1 }, { 1, 7 }, { 16, 48 }, { 48, 8 } };

    [Theory]
    [MemberData(nameof(Counts))]
    public void Every_key_its_timer_and_its_touch_land_in_the_new_partition_of_its_hash(int from, int to)
    {
        var sources = Stores("old", from);
        Fill(sources);

        var result = PartitionRescaler.Rescale("Counts", sources, to, Targets("new"));

        var map = new PartitionMap(to);
        Assert.Equal(Keys, Made("new").Sum(CountKeys));
        for (var i = 0; i < Keys; i++)
        {
            var key = KeyOf(i);
            var home = map.GetPartition(key);
            var store = Made("new")[home];
            Assert.Equal(ValueOf(i), Encoding.UTF8.GetString(store.Get(StateKeys.State(key)) ?? []));
            Assert.NotNull(store.Get(StateKeys.Touched(key)));
            if (i % 10 == 0)
            {
                Assert.NotNull(store.Get(StateKeys.Timer(1, 1000 + i, 0, key)));
            }

            // Nowhere else.
            for (var other = 0; other < to; other++)
            {
                Assert.True(other == home || Made("new")[other].Get(StateKeys.State(key)) is null);
            }
        }
    }

    [Theory]
    [InlineData(4, 8)]
    [InlineData(16, 48)]
    [InlineData(3, 7)]
    public void Rescaled_up_each_new_partition_is_an_old_store_cut_to_its_key_groups_by_range_and_its_files_keep_nothing_else(int from, int to)
    {
        var sources = Stores("old", from);
        Fill(sources, padding: 400);

        var result = PartitionRescaler.Rescale("Counts", sources, to, Targets("new"));

        Assert.Equal(to, result.PartitionsCutByRange);
        var targets = Made("new");
        Assert.Equal(Keys, targets.Sum(CountKeys));
        if (to % from == 0)
        {
            // Each new partition lies in one old one: not a key read and written.
            Assert.Equal(0, result.KeysCopied);
        }
        else
        {
            // Only the keys of a second old store a new partition overlaps (3 into 7: partitions 2 and 4 overlap two).
            Assert.InRange(result.KeysCopied, 1, Keys / 2);
        }

        // Every new store began as a hard-linked copy of a whole old one; dropping the others' groups left files with its own keys only.
        foreach (var store in sources.Concat(targets))
        {
            ((RocksDbKeyValueStore)store).Database.Flush();
        }

        var oldBytes = SstBytes("old");
        var newBytes = SstBytes("new");
        Assert.InRange(newBytes, oldBytes / 2, oldBytes * 3 / 2);
    }

    [Fact]
    public void Rescaled_down_a_new_partition_is_one_old_store_by_range_and_the_keys_of_the_others()
    {
        var sources = Stores("old", 48);
        Fill(sources);

        var result = PartitionRescaler.Rescale("Counts", sources, 8, Targets("new"));

        Assert.Equal(8, result.PartitionsCutByRange);
        Assert.InRange(result.KeysCopied, Keys * 4 / 6, Keys * 5 / 6 + 100);
        Assert.Equal(Keys, Made("new").Sum(CountKeys));
    }

    [Fact]
    public void Partitions_merged_from_parts_held_to_different_points_keep_floors_and_the_latest_epoch()
    {
        var sources = Stores("old", 4);
        Fill(sources);

        var result = PartitionRescaler.Rescale("Counts", sources, 2, Targets("new"));

        // Old partition p covered shard s up to 10 × (p + 1), so each new partition's two parts differ.
        Assert.Equal(2, result.PartitionsWithFloors);
        var reloaded = PartitionLedgerStore.Load(Made("new")[1]);
        Assert.Equal(P(30), reloaded.CoverageOf("s").Covered);
        Assert.Equal(4, reloaded.Epoch);
        var floors = reloaded.Floors["s"];
        Assert.Equal([P(30), P(40)], floors.Select(f => f.Floor));
        Assert.Equal(PartitionRanges.FirstHash(2, 4), floors[0].First);
        Assert.Equal(ulong.MaxValue, floors[1].Last);

        // The shard's watermark is the earliest part's; the partition's does not go back (a part's fired windows stay fired).
        var watermark = PartitionWatermarkStore.Load(Made("new")[1]);
        Assert.Equal(3_000, watermark.Shards["s"].Value);
        Assert.Equal(4_000, watermark.Current);
    }

    [Theory]
    [InlineData(4, 2)]
    [InlineData(4, 6)]
    public void Every_new_partition_numbers_its_epochs_above_every_old_partitions(int from, int to)
    {
        // Old partition p is at epoch p + 1. A sink keeps the epochs it committed by partition number: new partition 0
        // is not old partition 0, and rows it numbered at or below old partition 0's epochs would be skipped as committed.
        var sources = Stores("old", from);
        Fill(sources);

        PartitionRescaler.Rescale("Counts", sources, to, Targets("new"));

        Assert.All(Made("new"), store => Assert.Equal(from, PartitionLedgerStore.Load(store).Epoch));
    }

    [Fact]
    public void Staged_sink_rows_are_refused_before_anything_is_written()
    {
        var sources = Stores("old", 2);
        Fill(sources);
        using (var batch = sources[1].CreateBatch())
        {
            var key = new byte[StateKeys.EmittedRowKeyLength];
            StateKeys.WriteEmittedRow(3, 0, key);
            batch.Put(key, "row"u8);
            sources[1].Write(batch);
        }

        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Counts", sources, 3, Targets("new")));

        Assert.Contains("partition 1 of Counts holds rows staged for its sinks", refused.Message);
        Assert.False(_made.ContainsKey("new")); // no new store was made
    }

    [Fact]
    public void A_spread_states_parts_move_whole_to_the_new_partition_of_their_old_ones_first_hash_and_meet_only_where_the_grain_merges()
    {
        // Every partition holds a part of each of three keys (a view routed by the primary key).
        var sources = Stores("old", 3);
        for (var p = 0; p < 3; p++)
        {
            using var batch = sources[p].CreateBatch();
            foreach (var key in new[] { "click", "view", "buy" })
            {
                batch.Put(StateKeys.State(key), Encoding.UTF8.GetBytes($"{key}@{p}"));
                batch.Put(StateKeys.Timer(1, 60_000, 0, key), []);
                batch.Put(StateKeys.Touched(key), BigEndian(1_000 * (2 - p)));
            }

            sources[p].Write(batch);
        }

        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Totals", sources, 2, Targets("down")));
        Assert.Contains("which its partition grain does not merge", refused.Message);

        // A grain that merges parts gets them as parts, each under its old partition, to merge when it opens.
        var merging = PartitionRescaler.Rescale("Totals", sources, 2, Targets("merging"), mergesParts: true);
        Assert.Equal(1, merging.PartitionsMergingParts);
        var (partsFrom, partsTo) = StateKeys.PartRange;
        var parts = new List<string>();
        foreach (var store in Made("merging"))
        {
            store.Scan(partsFrom, partsTo, (key, value) =>
            {
                parts.Add($"{Encoding.UTF8.GetString(value)}");
                return true;
            });
        }

        Assert.Equal(6, parts.Count); // old partitions 0 and 1 meet in new partition 0; 2 goes alone to 1
        Assert.Contains("click@1", parts);
        Assert.Null(Made("merging")[1].Get(StateKeys.Part(2, "click"u8)));
        Assert.Equal("click@2", Encoding.UTF8.GetString(Made("merging")[1].Get(StateKeys.State("click"))!));

        // The merged key lives from its latest touch in any part (old partition 0's, not the last one read).
        Assert.Equal(BigEndian(2_000), Made("merging")[0].Get(StateKeys.Touched("click")));

        var result = PartitionRescaler.Rescale("Totals", sources, 7, Targets("up"));

        Assert.True(result.Spread);
        var up = Made("up");
        var map = new PartitionMap(7);
        for (var p = 0; p < 3; p++)
        {
            var home = up[map.GetPartition((UInt128)PartitionRanges.FirstHash(p, 3) << 64)];
            Assert.Equal($"click@{p}", Encoding.UTF8.GetString(home.Get(StateKeys.State("click"))!));
            Assert.NotNull(home.Get(StateKeys.Timer(1, 60_000, 0, "buy")));
        }

        Assert.Equal(9, result.KeysCopied);
        Assert.Equal(3, up.Count(t => CountKeys(t) > 0));
    }

    [Fact]
    public void A_key_outside_its_partitions_range_past_the_sample_is_refused_not_put_over_another()
    {
        var sources = Stores("old", 2);
        Fill(sources);
        var stranger = Enumerable.Range(0, 100).Select(i => $"zz-{i}").First(k => new PartitionMap(2).GetPartition(k) == 1);
        using (var batch = sources[0].CreateBatch())
        {
            batch.Put(StateKeys.State(stranger), "1"u8);
            sources[0].Write(batch);
        }

        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Counts", sources, 3, Targets("new")));

        Assert.Contains($"holds key '{stranger}', whose hash is partition 1's", refused.Message);
    }

    [Fact]
    public void Ranges_tile_the_hash_space_as_the_partition_map_cuts_it()
    {
        foreach (var count in new[] { 1, 3, 7, 16, 48, 4096 })
        {
            var map = new PartitionMap(count);
            Assert.Equal(0UL, PartitionRanges.FirstHash(0, count));
            for (var p = 0; p < count; p++)
            {
                var first = PartitionRanges.FirstHash(p, count);
                var last = PartitionRanges.LastHash(p, count);
                Assert.Equal(p, map.GetPartition((UInt128)first << 64));
                Assert.Equal(p, map.GetPartition(((UInt128)last << 64) | ulong.MaxValue));
                if (p > 0)
                {
                    Assert.Equal(p - 1, map.GetPartition((UInt128)(first - 1) << 64));
                }
            }
        }
    }

    private static string KeyOf(int i) => $"user-{i}";

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static string ValueOf(int i) => $"{{\"count\":{i}}}";

    private static Position P(int n) => new(n.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);

    /// <summary>New stores under <paramref name="name"/>, kept by partition as the rescale makes them (a copy: a checkpoint of the old store).</summary>
    private TargetStoreFactory Targets(string name) => (target, copyOf) =>
    {
        var directory = Path.Combine(_directory.Path, name, $"p-{target}");
        Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        copyOf?.CreateCheckpoint(directory);
        var store = RocksDbKeyValueStore.Open(directory, new RocksDbOptions());
        lock (_made)
        {
            _open.Add(store);
            Assert.True((_made.TryGetValue(name, out var made) ? made : _made[name] = []).TryAdd(target, store));
        }

        return store;
    };

    /// <summary>The new stores made under <paramref name="name"/>, by partition.</summary>
    private List<IKeyValueStore> Made(string name) => [.. _made[name].Values];

    private long SstBytes(string name) =>
        Directory.EnumerateFiles(Path.Combine(_directory.Path, name), "*.sst", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static long CountKeys(IKeyValueStore store)
    {
        long keys = 0;
        var (lower, upper) = StateKeys.GroupRange(StateKeys.StateKind, 0, KeyGroups.Count - 1);
        store.Scan(lower, upper, (_, _) =>
        {
            keys++;
            return true;
        });
        return keys;
    }

    private List<IKeyValueStore> Stores(string name, int count)
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, name));
        var stores = Enumerable.Range(0, count)
            .Select(p => (IKeyValueStore)RocksDbKeyValueStore.Open(Path.Combine(_directory.Path, name, $"p-{p}"), new RocksDbOptions()))
            .ToList();
        _open.AddRange(stores);
        return stores;
    }

    /// <summary>Each old partition p: its keys with a touch and every tenth a timer, shard s held to 10 × (p + 1), epoch p + 1, watermark 1000 × (p + 1).</summary>
    /// <param name="padding">Bytes of random text added to each value (file sizes then measure keys, not each file's fixed part).</param>
    private static void Fill(IReadOnlyList<IKeyValueStore> sources, int padding = 0)
    {
        var random = new Random(7);
        var map = new PartitionMap(sources.Count);
        var batches = sources.Select(s => s.CreateBatch()).ToList();
        for (var i = 0; i < Keys; i++)
        {
            var key = KeyOf(i);
            var batch = batches[map.GetPartition(key)];
            var pad = padding == 0 ? "" : string.Concat(Enumerable.Range(0, padding).Select(_ => (char)random.Next('a', 'z' + 1)));
            batch.Put(StateKeys.State(key), Encoding.UTF8.GetBytes(ValueOf(i) + pad));
            batch.Put(StateKeys.Touched(key), BitConverter.GetBytes((long)i));
            if (i % 10 == 0)
            {
                batch.Put(StateKeys.Timer(1, 1000 + i, 0, key), []);
            }
        }

        for (var p = 0; p < sources.Count; p++)
        {
            var ledger = new PartitionLedger([KeyValuePair.Create("s", new ShardCoverage(P((10 * (p + 1)) - 1), P(10 * (p + 1))))], epoch: p + 1);
            PartitionLedgerStore.PutAll(batches[p], ledger);
            PartitionWatermarkStore.Put(batches[p], [KeyValuePair.Create("s", new KnownShardWatermark(1000 * (p + 1), false, false))], 1000 * (p + 1));
            sources[p].Write(batches[p]);
            batches[p].Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var store in _open)
        {
            store.Dispose();
        }

        _directory.Dispose();
    }
}
