using Microsoft.Win32.SafeHandles;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// One spill file of one shard: frames are appended by the producer and read back in order by the consumer, with
/// positioned I/O so both can work on it at once. The file is deleted when the handle closes, so a drained,
/// removed or disposed queue leaves nothing behind.
/// </summary>
internal sealed class SpillSegment : IDisposable
{
    private readonly SafeFileHandle _handle;

    public SpillSegment(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
    }

    public string Path { get; }

    // The fields below are guarded by the owning queue's lock. Frames are contiguous: [ReadOffset, Published) holds
    // the unread published frames, [Published, Length) at most the one frame being written.

    /// <summary>Bytes handed out to frames; what the segment counts against the disk budget until it is deleted.</summary>
    public long Length;

    /// <summary>End of the last frame the consumer may read.</summary>
    public long Published;

    /// <summary>Start of the next frame to read.</summary>
    public long ReadOffset;

    /// <summary>Frames handed out and not yet read back; the segment is deleted when this reaches 0.</summary>
    public int Pending;

    /// <summary>Set once, when the segment is deleted, so its bytes are given back exactly once.</summary>
    public bool Reclaimed;

    public void Write(ReadOnlySpan<byte> frame, long offset) => RandomAccess.Write(_handle, frame, offset);

    public void Read(Span<byte> frame, long offset)
    {
        while (!frame.IsEmpty)
        {
            var read = RandomAccess.Read(_handle, frame, offset);
            if (read == 0)
            {
                throw new EndOfStreamException($"Spill file '{Path}' ends before the frame at {offset}.");
            }

            frame = frame[read..];
            offset += read;
        }
    }

    public void Dispose() => _handle.Dispose();
}
