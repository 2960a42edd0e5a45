using KinesisGrains.KeyedState.RocksDb;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// Moves a store written before key groups to their layout, once, when it opens: each key's state (kind 1) and touch
/// time (kind 6) are written again under its key group (kinds 8 and 9, <see cref="StateKeys"/>), and the old kinds are
/// dropped by range. The partitions keep their keys (the partition of a key did not change), so each store upgrades
/// on its own; a crash half-way leaves the old keys, and the next open moves them all again.
/// </summary>
internal static class KeyGroupUpgrade
{
    private const int KeysPerBatch = 10_000;

    /// <summary>Upgrades <paramref name="store"/> when it holds keys of the old layout; returns how many keys moved.</summary>
    public static long Upgrade(IKeyValueStore store)
    {
        long moved = 0;
        moved += Move(store, StateKeys.LegacyStateKind, StateKeys.State);
        moved += Move(store, StateKeys.LegacyTouchedKind, StateKeys.Touched);
        return moved;
    }

    private static long Move(IKeyValueStore store, byte legacyKind, Func<ReadOnlySpan<byte>, byte[]> grouped)
    {
        byte[] lower = [legacyKind];
        byte[] upper = [(byte)(legacyKind + 1)];
        long moved = 0;
        using var batch = store.CreateBatch();
        store.Scan(lower, upper, (key, value) =>
        {
            batch.Put(grouped(key[1..]), value);
            if (++moved % KeysPerBatch == 0)
            {
                store.Write(batch);
                batch.Clear();
            }

            return true;
        });

        if (moved == 0)
        {
            return 0;
        }

        store.Write(batch);
        store.DropRange(lower, upper);
        return moved;
    }
}
