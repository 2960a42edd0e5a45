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

    public static TheoryData<int, int> Counts => new() { { 4, 6 }, { 4, 3 }, { 5, 1 }, { 1, 7 }, { 16, 48 }, { 48, 8 } };

    [Theory]
    [MemberData(nameof(Counts))]
    public void Every_key_its_timer_and_its_touch_land_in_the_new_partition_of_its_hash(int from, int to)
    {
        var sources = Stores("old", from);
        Fill(sources);

        var result = PartitionRescaler.Rescale("Counts", sources, Stores("new", to));

        var map = new PartitionMap(to);
        Assert.Equal(Keys, result.KeysPerPartition.Sum());
        for (var i = 0; i < Keys; i++)
        {
            var key = KeyOf(i);
            var home = map.GetPartition(key);
            var store = _open[from + home];
            Assert.Equal(ValueOf(i), Encoding.UTF8.GetString(store.Get(StateKeys.State(key)) ?? []));
            Assert.NotNull(store.Get(StateKeys.Touched(key)));
            if (i % 10 == 0)
            {
                Assert.NotNull(store.Get(StateKeys.Timer(1, 1000 + i, 0, key)));
            }

            // Nowhere else.
            for (var other = 0; other < to; other++)
            {
                Assert.True(other == home || _open[from + other].Get(StateKeys.State(key)) is null);
            }
        }
    }

    [Fact]
    public void Partitions_merged_from_parts_held_to_different_points_keep_floors_and_the_latest_epoch()
    {
        var sources = Stores("old", 4);
        Fill(sources);

        var result = PartitionRescaler.Rescale("Counts", sources, Stores("new", 2));

        // Old partition p covered shard s up to 10 × (p + 1), so each new partition's two parts differ.
        Assert.Equal(2, result.PartitionsWithFloors);
        var reloaded = PartitionLedgerStore.Load(_open[4 + 1]);
        Assert.Equal(P(30), reloaded.CoverageOf("s").Covered);
        Assert.Equal(4, reloaded.Epoch);
        var floors = reloaded.Floors["s"];
        Assert.Equal([P(30), P(40)], floors.Select(f => f.Floor));
        Assert.Equal(PartitionRanges.FirstHash(2, 4), floors[0].First);
        Assert.Equal(ulong.MaxValue, floors[1].Last);

        // The shard's watermark is the earliest part's; the partition's does not go back (a part's fired windows stay fired).
        var watermark = PartitionWatermarkStore.Load(_open[4 + 1]);
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

        PartitionRescaler.Rescale("Counts", sources, Stores("new", to));

        Assert.All(_open.Skip(from), store => Assert.Equal(from, PartitionLedgerStore.Load(store).Epoch));
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

        var targets = Stores("new", 3);
        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Counts", sources, targets));

        Assert.Contains("partition 1 of Counts holds rows staged for its sinks", refused.Message);
        Assert.All(targets, t => Assert.Null(t.Get(StateKeys.State(KeyOf(0)))));
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

        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Totals", sources, Stores("down", 2)));
        Assert.Contains("which its partition grain does not merge", refused.Message);

        // A grain that merges parts gets them as parts, each under its old partition, to merge when it opens.
        var merging = PartitionRescaler.Rescale("Totals", sources, Stores("merging", 2), mergesParts: true);
        Assert.Equal(1, merging.PartitionsMergingParts);
        var (partsFrom, partsTo) = StateKeys.PartRange;
        var parts = new List<string>();
        foreach (var store in _open.Skip(5).Take(2))
        {
            store.Scan(partsFrom, partsTo, (key, value) =>
            {
                parts.Add($"{Encoding.UTF8.GetString(value)}");
                return true;
            });
        }

        Assert.Equal(6, parts.Count); // old partitions 0 and 1 meet in new partition 0; 2 goes alone to 1
        Assert.Contains("click@1", parts);
        Assert.Null(_open[5 + 1].Get(StateKeys.Part(2, "click"u8)));
        Assert.Equal("click@2", Encoding.UTF8.GetString(_open[5 + 1].Get(StateKeys.State("click"))!));

        // The merged key lives from its latest touch in any part (old partition 0's, not the last one read).
        Assert.Equal(BigEndian(2_000), _open[5].Get(StateKeys.Touched("click")));

        var result = PartitionRescaler.Rescale("Totals", sources, Stores("up", 7));

        Assert.True(result.Spread);
        var up = _open.Skip(7).ToList();
        var map = new PartitionMap(7);
        for (var p = 0; p < 3; p++)
        {
            var home = up[map.GetPartition((UInt128)PartitionRanges.FirstHash(p, 3) << 64)];
            Assert.Equal($"click@{p}", Encoding.UTF8.GetString(home.Get(StateKeys.State("click"))!));
            Assert.NotNull(home.Get(StateKeys.Timer(1, 60_000, 0, "buy")));
        }

        Assert.Equal(9, result.KeysPerPartition.Sum());
        Assert.Equal(3, result.KeysPerPartition.Count(k => k > 0));
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

        var refused = Assert.Throws<RescaleRefusedException>(() => PartitionRescaler.Rescale("Counts", sources, Stores("new", 3)));

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
    private static void Fill(IReadOnlyList<IKeyValueStore> sources)
    {
        var map = new PartitionMap(sources.Count);
        var batches = sources.Select(s => s.CreateBatch()).ToList();
        for (var i = 0; i < Keys; i++)
        {
            var key = KeyOf(i);
            var batch = batches[map.GetPartition(key)];
            batch.Put(StateKeys.State(key), Encoding.UTF8.GetBytes(ValueOf(i)));
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
