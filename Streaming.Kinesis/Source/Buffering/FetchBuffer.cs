using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// The prefetch buffer between the shard fetchers and processing: one FIFO <see cref="ShardQueue"/> per shard, sharing
/// an in-memory budget (<see cref="FetchBufferOptions.SoftLimitBytes"/>, like Databricks' <c>fetchBufferSize</c>).
/// Pages that do not fit go to per-shard spill files on local disk, in order, and are read back from there; when the
/// disk budget is used up too, producers wait for consumers. Memory therefore never grows without bound.
/// </summary>
/// <remarks>Thread-safe. Disposing it deletes every spill file and fails pending and later calls with <see cref="ObjectDisposedException"/>.</remarks>
internal sealed class FetchBuffer : IDisposable
{
    public const string MeterName = Diagnostics.StreamingKinesisMetrics.MeterName;

    // Spill file names: kgrains-{process id}-{buffer id}-{shard}-{segment}.spill
    private const string SpillFilePrefix = "kgrains-";

    /// <summary>
    /// Charged per page on top of <see cref="FetchedPage.SizeBytes"/>: the page and list objects and the shard iterator
    /// (a few hundred UTF-16 characters). Without it, empty pages, common when a shard is caught up, would pile up for free.
    /// </summary>
    public const int PageOverheadBytes = 768;

    /// <summary>Charged per record: the record object, array headers, and sequence number and partition key held as UTF-16.</summary>
    public const int RecordOverheadBytes = 192;

    private readonly ConcurrentDictionary<string, ShardQueue> _queues = new(StringComparer.Ordinal);
    private readonly FetchBufferMetrics _metrics;
    private readonly string _spillFilePrefix;
    private long _memoryBytes;
    private long _spilledBytes;
    private long _pagesSpilled;
    private int _segmentSequence;
    private volatile bool _disposed;

    public FetchBuffer(FetchBufferOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        new FetchBufferOptionsValidator(options).ValidateConfiguration();

        // Copied: the options object is mutable and budgets must not move under a running buffer.
        SoftLimitBytes = options.SoftLimitBytes;
        MaxSpillBytes = options.MaxSpillBytes;
        SpillSegmentBytes = options.SpillSegmentBytes;
        SpillDirectory = MaxSpillBytes > 0 ? Path.GetFullPath(options.SpillDirectory) : "";
        Time = time ?? TimeProvider.System;

        // Unique per buffer, so buffers of one process, or of several processes, can share a directory.
        _spillFilePrefix = string.Create(CultureInfo.InvariantCulture, $"{SpillFilePrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}-");
        OrphanedSpillFilesDeleted = MaxSpillBytes > 0 ? DeleteOrphanedSpillFiles(SpillDirectory) : 0;
        _metrics = new FetchBufferMetrics(this);
    }

    /// <summary>Spill files left behind by processes that died before disposing their buffer, deleted when this one was created.</summary>
    public int OrphanedSpillFilesDeleted { get; }

    public long SoftLimitBytes { get; }

    public long MaxSpillBytes { get; }

    public long SpillSegmentBytes { get; }

    /// <summary>Full path of the spill directory; empty when spilling is disabled.</summary>
    public string SpillDirectory { get; }

    /// <summary>Memory charged across all shards: <see cref="ChargeOf"/> of each page held in memory. Spilled pages cost no memory: not even an index entry.</summary>
    public long MemoryBytes => Volatile.Read(ref _memoryBytes);

    /// <summary>Bytes of spill files on disk across all shards, including already read frames of files not yet drained.</summary>
    public long SpilledBytes => Volatile.Read(ref _spilledBytes);

    /// <summary>Pages written to disk since the buffer was created.</summary>
    public long PagesSpilled => Volatile.Read(ref _pagesSpilled);

    internal TimeProvider Time { get; }

    /// <summary>What a page held in memory counts against <see cref="FetchBufferOptions.SoftLimitBytes"/>: its size plus object overheads.</summary>
    public static long ChargeOf(FetchedPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.SizeBytes + PageOverheadBytes + ((long)page.Records.Count * RecordOverheadBytes);
    }

    /// <summary>Woken whenever memory or disk budget is given back.</summary>
    internal AsyncPulse SpaceFreed { get; } = new();

    internal Meter Meter => _metrics.Meter;

    internal bool IsDisposed => _disposed;

    /// <summary>The queue of <paramref name="shardId"/>, created on first use.</summary>
    public ShardQueue GetQueue(string shardId)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_queues.TryGetValue(shardId, out var queue))
        {
            return queue;
        }

        queue = _queues.GetOrAdd(shardId, static (id, buffer) => new ShardQueue(buffer, id), this);

        // Dispose may have swept the dictionary before the add; do not leave an orphan behind.
        if (_disposed)
        {
            queue.Close();
            ObjectDisposedException.ThrowIf(true, this);
        }

        return queue;
    }

    /// <summary>Drops the queue of <paramref name="shardId"/> with its pages and spill files (e.g. when its lease is lost); false when there was none.</summary>
    /// <remarks>Pending calls on the removed queue fail with <see cref="ObjectDisposedException"/>; <see cref="GetQueue"/> afterwards starts a new, empty one.</remarks>
    public bool RemoveQueue(string shardId)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        if (!_queues.TryRemove(shardId, out var queue))
        {
            return false;
        }

        queue.Close();
        return true;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var shardId in _queues.Keys)
        {
            RemoveQueue(shardId);
        }

        // Producers waiting for budget see the disposed queue and throw.
        SpaceFreed.Pulse();
        _metrics.Dispose();
    }

    /// <summary>Takes <paramref name="charge"/> bytes of the memory budget; a page larger than the whole budget fits when memory is otherwise empty.</summary>
    internal bool TryReserveMemory(long charge) => TryReserve(ref _memoryBytes, charge, SoftLimitBytes);

    internal void ReleaseMemory(long charge)
    {
        if (charge != 0)
        {
            Interlocked.Add(ref _memoryBytes, -charge);
            SpaceFreed.Pulse();
        }
    }

    /// <summary>Takes <paramref name="bytes"/> of the disk budget; a frame larger than the whole budget fits when no file is left.</summary>
    internal bool TryReserveDisk(long bytes) => MaxSpillBytes > 0 && TryReserve(ref _spilledBytes, bytes, MaxSpillBytes);

    internal void ReleaseDisk(long bytes)
    {
        if (bytes != 0)
        {
            Interlocked.Add(ref _spilledBytes, -bytes);
            SpaceFreed.Pulse();
        }
    }

    internal void OnPageSpilled()
    {
        Interlocked.Increment(ref _pagesSpilled);
        _metrics.PagesSpilled.Add(1);
    }

    internal SpillSegment CreateSegment(string shardId)
    {
        // Every time, not once: an operator may have cleaned the directory while the silo ran.
        Directory.CreateDirectory(SpillDirectory);
        var sequence = Interlocked.Increment(ref _segmentSequence);
        var name = string.Create(CultureInfo.InvariantCulture, $"{_spillFilePrefix}{SafeFileName(shardId)}-{sequence:D6}.spill");
        return new SpillSegment(Path.Combine(SpillDirectory, name));
    }

    // A killed process cannot delete its spill files, and what they hold is refetched after its checkpoints anyway.
    // Only files of processes that no longer run are touched: buffers of live processes may share the directory.
    // Process ids are those of this PID namespace, so containers must not share one spill directory.
    private static int DeleteOrphanedSpillFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(directory, SpillFilePrefix + "*.spill"))
        {
            var name = Path.GetFileName(path.AsSpan())[SpillFilePrefix.Length..];
            var dash = name.IndexOf('-');
            if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var processId) || IsRunning(processId))
            {
                continue;
            }

            try
            {
                File.Delete(path);
                deleted++;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return deleted;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // CAS rather than add-then-check, so concurrent producers of different shards cannot overshoot the budget together.
    private static bool TryReserve(ref long used, long amount, long limit)
    {
        var current = Volatile.Read(ref used);
        while (true)
        {
            if (current != 0 && current + amount > limit)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref used, current + amount, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    // Kinesis shard ids are file-name safe already; anything else handed in is made so (the sequence keeps names unique).
    private static string SafeFileName(string shardId)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return shardId.AsSpan().IndexOfAny(invalid) < 0 && shardId.Length <= 64
            ? shardId
            : string.Create(Math.Min(shardId.Length, 64), shardId, (span, id) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = Array.IndexOf(Path.GetInvalidFileNameChars(), id[i]) < 0 ? id[i] : '_';
                }
            });
    }
}
