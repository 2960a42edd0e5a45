using System.Text;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Storage;

/// <summary>A real RocksDB store written before key groups (state under kind 1, touches under kind 6) opened by this version.</summary>
public sealed class KeyGroupUpgradeTests : IDisposable
{
    private const int Keys = 2500;
    private readonly TempDirectory _directory = new("key-group-upgrade");

    [Fact]
    public void Every_key_and_its_touch_move_under_its_key_group_once_and_nothing_else_is_touched()
    {
        using var store = RocksDbKeyValueStore.Open(_directory.Path, new RocksDbOptions());
        using (var batch = store.CreateBatch())
        {
            for (var i = 0; i < Keys; i++)
            {
                var utf8 = Encoding.UTF8.GetBytes(KeyOf(i));
                batch.Put([StateKeys.LegacyStateKind, .. utf8], Encoding.UTF8.GetBytes($"state-{i}"));
                if (i % 2 == 0)
                {
                    batch.Put([StateKeys.LegacyTouchedKind, .. utf8], BitConverter.GetBytes((long)i));
                }
            }

            batch.Put(StateKeys.Timer(1, 5_000, 0, KeyOf(7)), []);
            batch.Put(StateKeys.Epoch, "7"u8);
            store.Write(batch);
        }

        Assert.Equal(Keys + (Keys / 2), KeyGroupUpgrade.Upgrade(store));

        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal($"state-{i}", Encoding.UTF8.GetString(store.Get(StateKeys.State(KeyOf(i))) ?? []));
            Assert.Equal(i % 2 == 0, store.Get(StateKeys.Touched(KeyOf(i))) is not null);
        }

        var legacy = 0;
        store.Scan([StateKeys.LegacyStateKind], [StateKeys.LegacyStateKind + 1], (_, _) => ++legacy > 0);
        store.Scan([StateKeys.LegacyTouchedKind], [StateKeys.LegacyTouchedKind + 1], (_, _) => ++legacy > 0);
        Assert.Equal(0, legacy);
        Assert.NotNull(store.Get(StateKeys.Timer(1, 5_000, 0, KeyOf(7))));
        Assert.Equal("7"u8.ToArray(), store.Get(StateKeys.Epoch));

        // Opened again: nothing left to move.
        Assert.Equal(0, KeyGroupUpgrade.Upgrade(store));
    }

    [Fact]
    public void Keys_are_stored_in_key_group_order_so_a_partitions_keys_are_one_range()
    {
        var map = new Abstractions.Partitions.PartitionMap(4);
        var groups = Enumerable.Range(0, Keys).Select(i => KeyOf(i))
            .Select(k => (Partition: map.GetPartition(k), Group: StateKeys.GroupOfGrouped(StateKeys.State(k))))
            .ToList();

        // P = 4 divides G: partition p owns groups [p × G/4, (p + 1) × G/4).
        Assert.All(groups, g => Assert.Equal(g.Partition, g.Group / (KeyGroups.Count / 4)));
    }

    private static string KeyOf(int i) => $"user-{i}";

    public void Dispose() => _directory.Dispose();
}
