using System.Buffers.Binary;
using System.Text;
using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.Testing;

namespace KinesisGrains.KeyedState.Tests;

/// <summary>A DB in a fresh temp folder, reopenable, deleted on dispose.</summary>
internal sealed class TestDb : IDisposable
{
    private readonly TempDirectory _directory = new("rocksdb-tests");

    public TestDb(RocksDbOptions? options = null)
    {
        Options = options ?? new RocksDbOptions();
        Path = System.IO.Path.Combine(_directory.Path, "db");
        Db = RocksDatabase.Open(Path, Options);
    }

    public RocksDbOptions Options { get; }

    public string Path { get; }

    /// <summary>A folder next to the DB that does not exist yet.</summary>
    public string Sibling(string name) => System.IO.Path.Combine(_directory.Path, name);

    public RocksDatabase Db { get; private set; }

    public RocksDatabase Reopen()
    {
        Db.Dispose();
        Db = RocksDatabase.Open(Path, Options);
        return Db;
    }

    public void Dispose()
    {
        Db.Dispose();
        _directory.Dispose();
    }
}

internal static class Bytes
{
    public static byte[] Of(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    public static byte[] UInt64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
