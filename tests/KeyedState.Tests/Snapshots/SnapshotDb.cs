using System.Text;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>A DB of "key-NNNNNN" → "value-NNNNNN-vV…" with helpers to change keys, checkpoint and check restored copies.</summary>
internal sealed class SnapshotDb : IDisposable
{
    private readonly TempDirectory _folder = new("snapshot-tests");
    private int _checkpoints;

    public SnapshotDb(int keys, RocksDbOptions? options = null)
    {
        Keys = keys;
        Versions = new int[keys];
        Db = RocksDatabase.Open(Path.Combine(_folder.Path, "db"), options ?? new RocksDbOptions());
        SetVersion(Enumerable.Range(0, keys), 1);
    }

    public RocksDatabase Db { get; }

    public int Keys { get; }

    /// <summary>The version each key was last written with.</summary>
    public int[] Versions { get; }

    public string DbPath => Db.Path;

    public static byte[] Key(int index) => Encoding.UTF8.GetBytes($"key-{index:D6}");

    public static byte[] Value(int index, int version) =>
        Encoding.UTF8.GetBytes($"value-{index:D6}-v{version}-".PadRight(100, (char)('a' + (index + version) % 26)));

    public void SetVersion(IEnumerable<int> indexes, int version)
    {
        using var batch = new RocksDbWriteBatch();
        foreach (var index in indexes)
        {
            batch.Put(Key(index), Value(index, version));
            Versions[index] = version;
        }

        Db.Write(batch);
    }

    /// <summary>Flushes and writes a checkpoint into a new folder, returned.</summary>
    public string Checkpoint()
    {
        Db.Flush();
        var path = Path.Combine(_folder.Path, $"checkpoint-{++_checkpoints}");
        Db.CreateCheckpoint(path);
        return path;
    }

    /// <summary>A folder in this DB's temp space that does not exist yet.</summary>
    public string NewFolder(string name) => Path.Combine(_folder.Path, name);

    /// <summary>Opens a restored folder and checks every key has the value of <paramref name="versions"/>.</summary>
    public static void AssertHolds(string folder, int[] versions)
    {
        using var restored = RocksDatabase.Open(folder, new RocksDbOptions { CreateIfMissing = false });
        var wrong = 0;
        for (var index = 0; index < versions.Length; index++)
        {
            var value = restored.Get(Key(index));
            if (value is null || !value.AsSpan().SequenceEqual(Value(index, versions[index])))
            {
                wrong++;
            }
        }

        Assert.Equal(0, wrong);
        Assert.Null(restored.Get(Key(versions.Length)));
    }

    public void Dispose()
    {
        Db.Dispose();
        _folder.Dispose();
    }
}
