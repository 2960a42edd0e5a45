using KinesisGrains.Abstractions.Monitoring;

namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>The newest progress records, at most a fixed number (the oldest go first).</summary>
internal sealed class RecentProgress(int capacity)
{
    private readonly Queue<StreamingQueryProgress> _records = new(Math.Min(capacity, 1024));
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be positive.");

    public void Add(StreamingQueryProgress progress)
    {
        lock (_lock)
        {
            if (_records.Count == Capacity)
            {
                _records.Dequeue();
            }

            _records.Enqueue(progress);
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<StreamingQueryProgress> ToList()
    {
        lock (_lock)
        {
            return [.. _records];
        }
    }

    public StreamingQueryProgress? Last
    {
        get
        {
            lock (_lock)
            {
                return _records.Count > 0 ? _records.Last() : null;
            }
        }
    }
}
