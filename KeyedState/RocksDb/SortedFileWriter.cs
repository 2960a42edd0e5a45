using KinesisGrains.KeyedState.RocksDb.Interop;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>
/// One SST file written in key order, outside any DB, for <see cref="RocksDatabase.IngestFiles"/>. Nothing is written
/// (and no file exists) until the first key; <see cref="Finish"/> closes the file.
/// </summary>
internal sealed class SortedFileWriter : IDisposable
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
        try
        {
            if (_writer is null)
            {
                _writer = new SstFileWriter(new EnvOptions(), _options);
                _writer.Open(File);
            }

            _writer.Put(key.ToArray(), value.ToArray());
            Count++;
        }
        catch (RocksDbSharpException e)
        {
            throw NativeError.From(e, "write a sorted file", File);
        }
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
