using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.KeyedState.Outputs;

/// <summary>
/// The rows a partition stages in its store for its sinks (key kinds 3 and 4), written in the same batch as the
/// states they come from, so a snapshot holds exactly the rows of the events it holds. Deleted once every sink
/// committed their epoch.
/// </summary>
internal static class StagedRows
{
    /// <summary>Adds an emitted row: its value is the state key's length (4 bytes, big-endian), the key in UTF-8, then the row's JSON.</summary>
    /// <param name="scratch">Reused for the value (the batch copies it): no array per row.</param>
    public static void PutEmitted(IKeyValueBatch batch, long epoch, int number, string key, ReadOnlySpan<byte> json, ArrayBufferWriter<byte> scratch)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        scratch.ResetWrittenCount();
        var value = scratch.GetSpan(sizeof(int) + keyLength + json.Length);
        BinaryPrimitives.WriteInt32BigEndian(value, keyLength);
        Encoding.UTF8.GetBytes(key, value[sizeof(int)..]);
        json.CopyTo(value[(sizeof(int) + keyLength)..]);
        Span<byte> storeKey = stackalloc byte[StateKeys.EmittedRowKeyLength];
        StateKeys.WriteEmittedRow(epoch, number, storeKey);
        batch.Put(storeKey, value[..(sizeof(int) + keyLength + json.Length)]);
    }

    /// <summary>Adds (or, within an epoch, replaces) a key's changelog row.</summary>
    public static void PutChangelog(IKeyValueBatch batch, long epoch, string key, ReadOnlySpan<byte> json) =>
        batch.Put(StateKeys.ChangelogRow(epoch, key), json);

    /// <summary>The number the next row emitted in <paramref name="epoch"/> gets: one past the last one staged.</summary>
    public static int NextEmittedNumber(IKeyValueStore store, long epoch)
    {
        var next = 0;
        var (lower, upper) = StateKeys.EmittedRowRange(epoch, epoch);
        store.Scan(lower, upper, (key, _) =>
        {
            next = StateKeys.NumberOfEmittedRow(key) + 1;
            return true;
        });
        return next;
    }

    /// <summary>The rows staged for epochs <paramref name="fromEpoch"/> to <paramref name="throughEpoch"/>, one entry per epoch that has any, oldest first.</summary>
    /// <remarks>The rows' JSON is copied out of the store into one array (rows point into it): no array per row.</remarks>
    public static List<StagedEpoch> Collect(IKeyValueStore store, string stateName, int partition, long fromEpoch, long throughEpoch)
    {
        var json = new ArrayBufferWriter<byte>(4096);
        var found = new List<(byte[] StoreKey, long Epoch, bool Emitted, int Number, string StateKey, int Start, int Length)>();
        void Copy(ReadOnlySpan<byte> value, out int start)
        {
            start = json.WrittenCount;
            json.Write(value);
        }

        var (lower, upper) = StateKeys.EmittedRowRange(fromEpoch, throughEpoch);
        store.Scan(lower, upper, (key, value) =>
        {
            var keyLength = BinaryPrimitives.ReadInt32BigEndian(value);
            var row = value[(sizeof(int) + keyLength)..];
            Copy(row, out var start);
            found.Add((key.ToArray(), StateKeys.EpochOfRow(key), true, StateKeys.NumberOfEmittedRow(key), Encoding.UTF8.GetString(value.Slice(sizeof(int), keyLength)), start, row.Length));
            return true;
        });

        (lower, upper) = StateKeys.ChangelogRowRange(fromEpoch, throughEpoch);
        store.Scan(lower, upper, (key, value) =>
        {
            Copy(value, out var start);
            found.Add((key.ToArray(), StateKeys.EpochOfRow(key), false, 0, StateKeys.KeyOfChangelogRow(key), start, value.Length));
            return true;
        });

        var memory = json.WrittenMemory;
        var epochs = new SortedDictionary<long, StagedEpoch>();
        foreach (var row in found)
        {
            if (!epochs.TryGetValue(row.Epoch, out var epoch))
            {
                epochs[row.Epoch] = epoch = new StagedEpoch(row.Epoch, [], [], []);
            }

            var rowJson = memory.Slice(row.Start, row.Length);
            if (row.Emitted)
            {
                epoch.Emitted.Add(SinkRow.Emitted(stateName, partition, row.Epoch, row.Number, row.StateKey, rowJson));
            }
            else
            {
                epoch.Changelog.Add(SinkRow.Changelog(stateName, partition, row.Epoch, row.StateKey, rowJson));
            }

            epoch.StoreKeys.Add(row.StoreKey);
        }

        return [.. epochs.Values];
    }

    /// <summary>Whether <paramref name="store"/> holds any row staged for a sink (emitted or changelog, of any epoch).</summary>
    public static bool Any(IKeyValueStore store)
    {
        var any = false;
        store.Scan([StateKeys.EmittedRowKind], [StateKeys.ChangelogRowKind + 1], (_, _) =>
        {
            any = true;
            return false;
        });
        return any;
    }

    /// <summary>Deletes the rows of <paramref name="epoch"/> once its sinks committed them.</summary>
    public static void Delete(IKeyValueStore store, StagedEpoch epoch)
    {
        using var batch = store.CreateBatch();
        foreach (var key in epoch.StoreKeys)
        {
            batch.Delete(key);
        }

        store.Write(batch);
    }
}

/// <summary>The rows staged for one epoch, and their store keys.</summary>
internal sealed record StagedEpoch(long Epoch, List<SinkRow> Emitted, List<SinkRow> Changelog, List<byte[]> StoreKeys)
{
    public List<SinkRow> RowsOf(SinkOutputKind output) => output == SinkOutputKind.Emitted ? Emitted : Changelog;
}
