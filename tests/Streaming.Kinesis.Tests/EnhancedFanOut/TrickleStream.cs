namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>A read-only stream that hands out its bytes a few at a time, as a network stream may.</summary>
internal sealed class TrickleStream(byte[] data, int[] chunkSizes) : Stream
{
    private int _position;
    private int _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    /// <summary>How many reads returned bytes.</summary>
    public int Reads => _read;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var size = Math.Min(Math.Min(count, chunkSizes[_read % chunkSizes.Length]), data.Length - _position);
        if (size <= 0)
        {
            return 0;
        }

        Array.Copy(data, _position, buffer, offset, size);
        _position += size;
        _read++;
        return size;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var size = Math.Min(Math.Min(buffer.Length, chunkSizes[_read % chunkSizes.Length]), data.Length - _position);
        if (size <= 0)
        {
            return ValueTask.FromResult(0);
        }

        data.AsMemory(_position, size).CopyTo(buffer);
        _position += size;
        _read++;
        return ValueTask.FromResult(size);
    }

    public override void Flush() => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
