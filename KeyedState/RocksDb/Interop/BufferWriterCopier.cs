using System.Buffers;
using RocksDbSharp;

namespace KinesisGrains.KeyedState.RocksDb.Interop;

/// <summary>
/// Copies a value RocksDB hands over into the destination of the <see cref="RocksDatabase.TryGet"/> running on this
/// thread: the package's <c>Get(key, ISpanDeserializer)</c> reads without allocating, but its deserializer is an object
/// and gets no state of its own, so one per thread carries the destination.
/// </summary>
internal sealed class BufferWriterCopier : ISpanDeserializer<bool>
{
    [ThreadStatic]
    private static BufferWriterCopier? t_instance;

    private IBufferWriter<byte>? _destination;

    private BufferWriterCopier()
    {
    }

    /// <summary>This thread's copier, aimed at <paramref name="destination"/> until the returned scope ends.</summary>
    public static Scope Into(IBufferWriter<byte> destination)
    {
        var copier = t_instance ??= new BufferWriterCopier();
        copier._destination = destination;
        return new Scope(copier);
    }

    /// <summary>Appends the value and returns true; the package returns false (default) for an absent key.</summary>
    public bool Deserialize(ReadOnlySpan<byte> buffer)
    {
        var destination = _destination ?? throw new InvalidOperationException("No TryGet is in progress on this thread.");
        if (buffer.Length > 0)
        {
            buffer.CopyTo(destination.GetSpan(buffer.Length));
            destination.Advance(buffer.Length);
        }

        return true;
    }

    /// <summary>Drops the destination at its end, so the copier keeps no caller's buffer alive.</summary>
    public readonly ref struct Scope(BufferWriterCopier copier)
    {
        public BufferWriterCopier Copier { get; } = copier;

        public void Dispose() => Copier._destination = null;
    }
}
