using KinesisGrains.KeyedState.RocksDb.Interop;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// One SST file written in key order, outside any DB, for <see cref="RocksDatabase.IngestFiles"/>. Nothing is written
/// (and no file exists) until the first key; <see cref="Finish"/> closes the file.
/// </summary>
internal sealed unsafe class SortedFileWriter : IDisposable
{
    private readonly ColumnFamilyOptions _options;
    private SstFileWriter? _writer;

    internal SortedFileWriter(string file, ColumnFamilyOptions options)
    {
        File = System.IO.Path.GetFullPath(file);
        _options = options;
    }

    public string File { get; }

    public long Count { get; private set; }

    /// <summary>Adds a key above every key added before.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (_writer is null)
        {
            try
            {
                _writer = new SstFileWriter(new EnvOptions(), _options);
                _writer.Open(File);
            }
            catch (RocksDbSharpException e)
            {
                throw NativeError.From(e, "open a sorted file", File);
            }
        }

        // Straight from the caller's spans (often a scan's native memory): a rewrite of millions of keys copies none.
        nint error;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            Native.Instance.rocksdb_sstfilewriter_put(_writer.Handle, k, (nuint)key.Length, v, (nuint)value.Length, out error);
        }

        NativeError.ThrowIfFailed(error, "write a sorted file", File);
        Count++;
    }

    /// <summary>Closes the file; true when it holds keys (a writer given none wrote no file).</summary>
    public bool Finish()
    {
        if (_writer is null)
        {
            return false;
        }

        try
        {
            _writer.Finish();
            return true;
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "finish a sorted file", File);
        }
        finally
        {
            _writer.Dispose();
            _writer = null;
        }
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }
}
