using System.Globalization;
using System.Text;
using KinesisGrains.KeyedState.ExactlyOnce;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>
/// A partition's ledger in its store: per shard the high-water mark (key kind <see cref="StateKeys.HighWaterMarkRange"/>)
/// and the covered position, and the epoch. Written in the same atomic batch as the states they go with.
/// </summary>
internal static class PartitionLedgerStore
{
    /// <summary>The ledger as the store holds it (marks, coverage, epoch).</summary>
    public static PartitionLedger Load(IKeyValueStore store)
    {
        var marks = LoadPositions(store, StateKeys.HighWaterMarkRange);
        var covered = LoadPositions(store, StateKeys.CoveredRange);
        var entries = marks.Keys.Union(covered.Keys, StringComparer.Ordinal)
            .Select(shardId => KeyValuePair.Create(
                shardId,
                new ShardCoverage(marks.TryGetValue(shardId, out var mark) ? mark : null, covered.TryGetValue(shardId, out var c) ? c : null)));
        var epoch = store.Get(StateKeys.Epoch) is { } bytes ? long.Parse(Encoding.UTF8.GetString(bytes), CultureInfo.InvariantCulture) : 0;
        return new PartitionLedger(entries, epoch);
    }

    /// <summary>Writes the ledger's changes and epoch on their own (at a barrier, after the states were written).</summary>
    public static void Write(IKeyValueStore store, PartitionLedger ledger)
    {
        using var batch = store.CreateBatch();
        Put(batch, ledger);
        store.Write(batch);
    }

    /// <summary>Adds the ledger's changes since the last call, and its epoch, to <paramref name="batch"/>.</summary>
    public static void Put(IKeyValueBatch batch, PartitionLedger ledger)
    {
        foreach (var (shardId, coverage) in ledger.TakeChanged())
        {
            if (coverage.Mark is { } mark)
            {
                batch.Put(StateKeys.HighWaterMark(shardId), Encoding.UTF8.GetBytes(mark.ToString()));
            }

            if (coverage.Covered is { } covered)
            {
                batch.Put(StateKeys.Covered(shardId), Encoding.UTF8.GetBytes(covered.ToString()));
            }
        }

        batch.Put(StateKeys.Epoch, Encoding.UTF8.GetBytes(ledger.Epoch.ToString(CultureInfo.InvariantCulture)));
    }

    private static Dictionary<string, Position> LoadPositions(IKeyValueStore store, (byte[] Lower, byte[] Upper) range)
    {
        var into = new Dictionary<string, Position>(StringComparer.Ordinal);
        store.Scan(range.Lower, range.Upper, (key, value) =>
        {
            var text = Encoding.UTF8.GetString(value);
            var slash = text.LastIndexOf('/');
            into[StateKeys.ShardIdOf(key)] = new Position(text[..slash], long.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture));
            return true;
        });
        return into;
    }
}
