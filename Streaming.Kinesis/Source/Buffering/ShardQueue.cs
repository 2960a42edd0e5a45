using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// The pages of one shard, in fetch order. The queue is always "pages in memory, then pages on disk": a page is kept
/// in memory only while nothing of the shard is on disk and the shared budget has room, otherwise it is appended to
/// the shard's spill file, and the consumer takes memory first. So order holds across every memory/disk switch.
/// </summary>
/// <remarks>
/// <para>
/// Spilled pages cost no memory: frames are contiguous in their file, so the consumer finds the next one from the
/// previous frame's end and its length prefix, usually fetching that prefix in the same read as the previous frame.
/// </para>
/// <para>
/// Thread-safe. Producers are serialized (the one holding the gate decides where a page goes and publishes it, so
/// the frame it writes is always the last of its file), and one consumer at a time reads from disk; the usual shape
/// is one fetcher and one processor per shard. Lock order: <c>_readLock</c> before <c>_lock</c>; no lock is held
/// while waiting, and <c>_lock</c> never across I/O.
/// </para>
/// </remarks>
internal sealed class ShardQueue
{
    private readonly FetchBuffer _owner;
    private readonly Lock _lock = new();
    private readonly Lock _readLock = new();
    private readonly SemaphoreSlim _producerGate = new(1, 1);

    // Guarded by _lock.
    private readonly Queue<FetchedPage> _inMemory = new();
    private readonly List<SpillSegment> _segments = []; // live, oldest first; the first holds the next page to read
    private SpillSegment? _writeSegment;
    private int _spilledCount;
    private int _headLength; // length of the next frame to read; 0 until known
    private DateTimeOffset _headFetchedAt;
    private TaskCompletionSource? _pageArrived;
    private long _bytes;
    private bool _closed;

    internal ShardQueue(FetchBuffer owner, string shardId)
    {
        _owner = owner;
        ShardId = shardId;
    }

    public string ShardId { get; }

    /// <summary>Pages buffered, in memory and on disk.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _inMemory.Count + _spilledCount;
            }
        }
    }

    /// <summary>Pages buffered on disk.</summary>
    public int SpilledCount
    {
        get
        {
            lock (_lock)
            {
                return _spilledCount;
            }
        }
    }

    /// <summary>Bytes buffered, in memory and on disk, each page counted as <see cref="FetchBuffer.ChargeOf"/>.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>When the page at the head of the queue was fetched; <c>null</c> when the queue is empty.</summary>
    /// <remarks>
    /// For a head page on disk this comes from its frame's prefix. Right after a dequeue that could not fetch that
    /// prefix along with its own page, it still shows the dequeued page's time until the next dequeue: an
    /// overestimate of the wait, never an underestimate.
    /// </remarks>
    public DateTimeOffset? OldestFetchedAt
    {
        get
        {
            lock (_lock)
            {
                return _inMemory.TryPeek(out var page) ? page.FetchedAt
                    : _spilledCount != 0 ? _headFetchedAt
                    : null;
            }
        }
    }

    /// <summary>How long the page at the head of the queue has waited since it was fetched (for <c>maxFetchDuration</c>).</summary>
    public TimeSpan? OldestAge => OldestFetchedAt is { } fetchedAt ? _owner.Time.GetUtcNow() - fetchedAt : null;

    /// <summary>
    /// Adds <paramref name="page"/> at the tail: in memory when the shared budget allows, else on disk. Completes
    /// synchronously unless the disk budget is used up too, in which case it waits for consumers to make room.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting; the page was not added.</exception>
    /// <exception cref="ObjectDisposedException">The queue was removed or the buffer disposed.</exception>
    public async ValueTask EnqueueAsync(FetchedPage page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!string.Equals(page.ShardId, ShardId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A page of {page.ShardId} cannot go to the queue of {ShardId}.", nameof(page));
        }

        var charge = FetchBuffer.ChargeOf(page);
        await _producerGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var frameLength = 0;
            var waiting = false;
            try
            {
                while (true)
                {
                    var spaceFreed = waiting ? _owner.SpaceFreed.Next : null;
                    if (TryEnqueueInMemory(page, charge))
                    {
                        return;
                    }

                    if (frameLength == 0)
                    {
                        frameLength = SpillCodec.GetFrameLength(page);
                    }

                    if (_owner.TryReserveDisk(frameLength))
                    {
                        Spill(page, charge, frameLength);
                        return;
                    }

                    if (spaceFreed is null)
                    {
                        // Register, then check again: budget given back before registering would not wake us.
                        _owner.SpaceFreed.Enter();
                        waiting = true;
                        continue;
                    }

                    await spaceFreed.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                if (waiting)
                {
                    _owner.SpaceFreed.Exit();
                }
            }
        }
        finally
        {
            _producerGate.Release();
        }
    }

    /// <summary>Takes the page at the head of the queue, reading it back from disk if it was spilled.</summary>
    /// <exception cref="ObjectDisposedException">The queue was removed or the buffer disposed.</exception>
    public bool TryDequeue([MaybeNullWhen(false)] out FetchedPage page)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (TryDequeueInMemory(out page))
            {
                return true;
            }

            if (_spilledCount == 0)
            {
                return false;
            }
        }

        return TryDequeueSpilled(out page);
    }

    /// <summary>Takes the page at the head of the queue, waiting for one to arrive when the queue is empty.</summary>
    /// <exception cref="OperationCanceledException">Cancelled while waiting; no page was taken.</exception>
    /// <exception cref="ObjectDisposedException">The queue was removed or the buffer disposed.</exception>
    public ValueTask<FetchedPage> DequeueAsync(CancellationToken cancellationToken = default) =>
        TryDequeue(out var page) ? new ValueTask<FetchedPage>(page) : WaitAndDequeueAsync(cancellationToken);

    public override string ToString() => $"{ShardId}: {Count} pages, {Bytes} bytes";

    /// <summary>Drops every page and deletes the spill files; called by the buffer when the queue is removed.</summary>
    internal void Close()
    {
        long memory = 0;
        SpillSegment[] segments;
        TaskCompletionSource? arrived;

        // The read lock first, so no consumer is in the middle of a spill file when it goes.
        lock (_readLock)
        {
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                _closed = true;
                foreach (var page in _inMemory)
                {
                    memory += FetchBuffer.ChargeOf(page);
                }

                segments = [.. _segments];
                foreach (var segment in segments)
                {
                    segment.Reclaimed = true;
                }

                _inMemory.Clear();
                _segments.Clear();
                _writeSegment = null;
                _spilledCount = 0;
                _headLength = 0;
                _bytes = 0;
                arrived = _pageArrived;
                _pageArrived = null;
            }
        }

        _owner.ReleaseMemory(memory);
        foreach (var segment in segments)
        {
            Delete(segment);
        }

        // Wake our own waiting producer and consumer, who then find the queue closed.
        _owner.SpaceFreed.Pulse();
        arrived?.TrySetResult();
    }

    private bool TryEnqueueInMemory(FetchedPage page, long charge)
    {
        lock (_lock)
        {
            ThrowIfClosed();

            // Memory only while nothing of this shard is on disk: the consumer drains memory first.
            if (_spilledCount != 0 || !_owner.TryReserveMemory(charge))
            {
                return false;
            }

            _inMemory.Enqueue(page);
            _bytes += charge;
            WakeConsumer();
            return true;
        }
    }

    /// <summary>Appends <paramref name="page"/> to the spill; the caller has reserved <paramref name="frameLength"/> disk bytes.</summary>
    /// <remarks>Synchronous I/O on purpose: a buffered write of one page is short, and regular files have no true async I/O on Linux anyway.</remarks>
    private void Spill(FetchedPage page, long charge, int frameLength)
    {
        SpillSegment segment;
        long offset;
        try
        {
            (segment, offset) = ReserveFrame(frameLength);
        }
        catch
        {
            _owner.ReleaseDisk(frameLength);
            throw;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(frameLength);
        try
        {
            var frame = buffer.AsSpan(0, frameLength);
            SpillCodec.Write(page, frame);
            segment.Write(frame, offset);
        }
        catch (Exception exception)
        {
            AbandonFrame(segment, offset, frameLength);
            if (exception is ObjectDisposedException)
            {
                ThrowIfClosed();
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        lock (_lock)
        {
            // Closed while writing: Close deleted the file and gave its bytes back.
            ThrowIfClosed();
            segment.Published = offset + frameLength;
            if (_spilledCount++ == 0)
            {
                // This frame is the next to read, and the producer knows it without touching the disk.
                _headLength = frameLength;
                _headFetchedAt = page.FetchedAt;
            }

            _bytes += charge;
            WakeConsumer();
        }

        _owner.OnPageSpilled();
    }

    /// <summary>Hands out <paramref name="frameLength"/> bytes at the end of the current spill file, starting a new file when it is full or gone.</summary>
    private (SpillSegment Segment, long Offset) ReserveFrame(int frameLength)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (_writeSegment is { } current && current.Length + frameLength <= _owner.SpillSegmentBytes)
            {
                var offset = current.Length;
                current.Length += frameLength;
                current.Pending++;
                return (current, offset);
            }
        }

        // Creating the file is I/O: outside the lock. Only the gate holder installs write segments, so nothing races this.
        var fresh = _owner.CreateSegment(ShardId);
        lock (_lock)
        {
            if (_closed)
            {
                fresh.Dispose();
                ThrowIfClosed();
            }

            // The previous file, if any, is sealed: its unread frames keep it alive until they have been read.
            _writeSegment = fresh;
            _segments.Add(fresh);
            fresh.Length = frameLength;
            fresh.Pending = 1;
            return (fresh, 0);
        }
    }

    /// <summary>A frame failed to write: take its slot back, so the frames of the file stay contiguous.</summary>
    private void AbandonFrame(SpillSegment segment, long offset, int frameLength)
    {
        SpillSegment? drained;
        lock (_lock)
        {
            if (segment.Reclaimed)
            {
                return; // Close deleted the file and gave its bytes back
            }

            // Producers are serialized, so nothing was handed out after this frame.
            segment.Length = offset;
            drained = ReleaseFrame(segment);
        }

        _owner.ReleaseDisk(frameLength);
        Delete(drained);
    }

    private bool TryDequeueInMemory([MaybeNullWhen(false)] out FetchedPage page)
    {
        if (!_inMemory.TryDequeue(out page))
        {
            return false;
        }

        var charge = FetchBuffer.ChargeOf(page);
        _bytes -= charge;
        _owner.ReleaseMemory(charge);
        return true;
    }

    private bool TryDequeueSpilled([MaybeNullWhen(false)] out FetchedPage page)
    {
        // Held throughout: keeps a second consumer, and Close, away from the files while this one reads. Nothing is
        // taken off the queue until the page has been read and decoded, so a failed read loses nothing.
        lock (_readLock)
        {
            SpillSegment segment;
            long offset;
            int length;
            lock (_lock)
            {
                ThrowIfClosed();

                // Another consumer may have taken the spilled pages meanwhile.
                if (TryDequeueInMemory(out page))
                {
                    return true;
                }

                if (_spilledCount == 0)
                {
                    return false;
                }

                segment = _segments[0];
                offset = segment.ReadOffset;
                length = _headLength;
            }

            if (length == 0)
            {
                (length, var fetchedAt) = ReadPreamble(segment, offset);
                lock (_lock)
                {
                    _headLength = length;
                    _headFetchedAt = fetchedAt;
                }
            }

            // When the next frame is already in this file, its preamble comes along in the same read.
            bool withNext;
            lock (_lock)
            {
                withNext = segment.Published >= offset + length + SpillCodec.PreambleLength;
            }

            var readLength = length + (withNext ? SpillCodec.PreambleLength : 0);
            (int Length, DateTimeOffset FetchedAt) next = default;
            var buffer = ArrayPool<byte>.Shared.Rent(readLength);
            try
            {
                var span = buffer.AsSpan(0, readLength);
                segment.Read(span, offset);
                page = SpillCodec.Read(ShardId, span[..length]);
                if (withNext)
                {
                    next = SpillCodec.ReadPreamble(span[length..]);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            SpillSegment? drained;
            lock (_lock)
            {
                segment.ReadOffset = offset + length;
                _spilledCount--;
                _bytes -= FetchBuffer.ChargeOf(page);

                // Unknown next frame: the next dequeue reads its preamble first, and OldestFetchedAt keeps the older
                // time meanwhile. An empty spill gets its head from the producer.
                _headLength = next.Length;
                if (withNext)
                {
                    _headFetchedAt = next.FetchedAt;
                }

                drained = ReleaseFrame(segment);
            }

            Delete(drained);
            return true;
        }
    }

    private static (int Length, DateTimeOffset FetchedAt) ReadPreamble(SpillSegment segment, long offset)
    {
        Span<byte> preamble = stackalloc byte[SpillCodec.PreambleLength];
        segment.Read(preamble, offset);
        return SpillCodec.ReadPreamble(preamble);
    }

    private async ValueTask<FetchedPage> WaitAndDequeueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task arrived;
            lock (_lock)
            {
                ThrowIfClosed();
                if (_inMemory.Count != 0 || _spilledCount != 0)
                {
                    arrived = Task.CompletedTask;
                }
                else
                {
                    _pageArrived ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    arrived = _pageArrived.Task;
                }
            }

            await arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (TryDequeue(out var page))
            {
                return page;
            }
        }
    }

    /// <summary>Under _lock: one frame of <paramref name="segment"/> is done with; returns the segment when it is now drained and must be deleted.</summary>
    private SpillSegment? ReleaseFrame(SpillSegment segment)
    {
        if (segment.Reclaimed || --segment.Pending > 0)
        {
            return null;
        }

        segment.Reclaimed = true;
        _segments.Remove(segment);
        if (_writeSegment == segment)
        {
            _writeSegment = null;
        }

        return segment;
    }

    private void Delete(SpillSegment? segment)
    {
        if (segment is not null)
        {
            segment.Dispose();
            _owner.ReleaseDisk(segment.Length);
        }
    }

    // Under _lock.
    private void WakeConsumer()
    {
        if (_pageArrived is { } arrived)
        {
            _pageArrived = null;
            arrived.TrySetResult();
        }
    }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new ObjectDisposedException(nameof(ShardQueue), $"The queue of {ShardId} was removed from its fetch buffer, or the buffer was disposed.");
        }
    }
}
