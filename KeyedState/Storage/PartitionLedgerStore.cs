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
        return new PartitionLedger(entries, epoch, LoadFloors(store));
    }

    /// <summary>Writes the ledger's changes and epoch on their own (at a barrier, after the states were written).</summary>
    public static void Write(IKeyValueStore store, PartitionLedger ledger)
    {
        using var batch = store.CreateBatch();
        Put(batch, ledger);
        store.Write(batch);
    }

    /// <summary>Deletes what the store's ledger holds of <paramref name="shardIds"/>: marks, coverage and floors.</summary>
    public static void Forget(IKeyValueStore store, IEnumerable<string> shardIds)
    {
        using var batch = store.CreateBatch();
        foreach (var shardId in shardIds)
        {
            batch.Delete(StateKeys.HighWaterMark(shardId));
            batch.Delete(StateKeys.Covered(shardId));
            batch.Delete(StateKeys.Floors(shardId));
        }

        store.Write(batch);
    }

    /// <summary>Adds the whole ledger to <paramref name="batch"/>, changed or not (a new store made from other partitions').</summary>
    public static void PutAll(IKeyValueBatch batch, PartitionLedger ledger)
    {
        foreach (var (shardId, coverage) in ledger.Shards)
        {
            PutCoverage(batch, shardId, coverage);
        }

        foreach (var (shardId, floors) in ledger.Floors)
        {
            PutFloors(batch, shardId, floors);
        }

        ledger.TakeChanged();
        ledger.TakeChangedFloors();
        batch.Put(StateKeys.Epoch, Encoding.UTF8.GetBytes(ledger.Epoch.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Adds the ledger's changes since the last call, and its epoch, to <paramref name="batch"/>.</summary>
    public static void Put(IKeyValueBatch batch, PartitionLedger ledger)
    {
        foreach (var (shardId, coverage) in ledger.TakeChanged())
        {
            PutCoverage(batch, shardId, coverage);
        }

        foreach (var (shardId, floors) in ledger.TakeChangedFloors())
        {
            PutFloors(batch, shardId, floors);
        }

        batch.Put(StateKeys.Epoch, Encoding.UTF8.GetBytes(ledger.Epoch.ToString(CultureInfo.InvariantCulture)));
    }

    private static void PutCoverage(IKeyValueBatch batch, string shardId, ShardCoverage coverage)
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

    /// <summary>Floors are written as "first-last@sequence/sub" (hex hashes), ';' between ranges; none: the key goes.</summary>
    private static void PutFloors(IKeyValueBatch batch, string shardId, InheritedFloor[] floors)
    {
        if (floors.Length == 0)
        {
            batch.Delete(StateKeys.Floors(shardId));
        }
        else
        {
            batch.Put(StateKeys.Floors(shardId), Encoding.UTF8.GetBytes(string.Join(';', floors.Select(f => f.ToString()))));
        }
    }

    /// <summary>Floors as <see cref="PutFloors"/> writes them.</summary>
    private static List<KeyValuePair<string, InheritedFloor[]>> LoadFloors(IKeyValueStore store)
    {
        var into = new List<KeyValuePair<string, InheritedFloor[]>>();
        var (lower, upper) = StateKeys.FloorsRange;
        store.Scan(lower, upper, (key, value) =>
        {
            var floors = Encoding.UTF8.GetString(value).Split(';').Select(text =>
            {
                var at = text.IndexOf('@');
                var dash = text.IndexOf('-');
                return new InheritedFloor(
                    ulong.Parse(text.AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                    ulong.Parse(text.AsSpan(dash + 1, at - dash - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                    ParsePosition(text[(at + 1)..]));
            }).ToArray();
            into.Add(KeyValuePair.Create(StateKeys.ShardIdOf(key), floors));
            return true;
        });
        return into;
    }

    private static Position ParsePosition(string text)
    {
        var slash = text.LastIndexOf('/');
        return new Position(text[..slash], long.Parse(text[(slash + 1)..], CultureInfo.InvariantCulture));
    }

    private static Dictionary<string, Position> LoadPositions(IKeyValueStore store, (byte[] Lower, byte[] Upper) range)
    {
        var into = new Dictionary<string, Position>(StringComparer.Ordinal);
        store.Scan(range.Lower, range.Upper, (key, value) =>
        {
            into[StateKeys.ShardIdOf(key)] = ParsePosition(Encoding.UTF8.GetString(value));
            return true;
        });
        return into;
    }
}
