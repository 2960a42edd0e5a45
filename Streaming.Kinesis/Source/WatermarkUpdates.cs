namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>
/// Which partitions a shard's receiver sends a watermark update to (a batch of no events carrying the shard's watermark
/// and idle flag), and when: each partition the shard fed before whose last batch carried another watermark or idle
/// flag than the shard has now, at most once per interval. Without them a partition the shard's newest records did not
/// reach would learn the shard's event time only at checkpoint barriers. With keyed views the receiver counts lanes
/// (each view's partition streams) as partitions here. Plain C#, single-threaded by its receiver.
/// </summary>
internal sealed class WatermarkUpdates
{
    private readonly DateTimeOffset?[] _watermarks;
    private readonly bool[] _idle;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private DateTimeOffset? _lastUpdateAt;

    // What the last full pass left every fed partition with; while nothing else was sent since, a pass with the same
    // values has nothing to do (no scan of every partition each interval on a quiet shard).
    private (DateTimeOffset? Watermark, bool Idle) _settled;
    private bool _unsettled;

    public WatermarkUpdates(int partitionCount, TimeSpan interval, TimeProvider time)
    {
        _watermarks = new DateTimeOffset?[partitionCount];
        _idle = new bool[partitionCount];
        _interval = interval;
        _time = time;
    }

    /// <summary>A batch carrying <paramref name="watermark"/> and <paramref name="idle"/> went to <paramref name="partition"/>.</summary>
    public void Sent(int partition, DateTimeOffset? watermark, bool idle)
    {
        _watermarks[partition] = watermark;
        _idle[partition] = idle;
        _unsettled |= (watermark, idle) != _settled;
    }

    /// <summary>
    /// Adds to <paramref name="output"/>, in partition order, the partitions <paramref name="fed"/> says the shard fed
    /// whose last batch carried something else than <paramref name="watermark"/> and <paramref name="idle"/>, and
    /// counts them as sent; adds none within the interval after the previous update.
    /// </summary>
    public void TakeDue(DateTimeOffset? watermark, bool idle, Func<int, bool> fed, List<int> output)
    {
        if (!_unsettled && (watermark, idle) == _settled)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_lastUpdateAt is { } last && now - last < _interval)
        {
            return;
        }

        var before = output.Count;
        for (var partition = 0; partition < _watermarks.Length; partition++)
        {
            if ((_watermarks[partition] != watermark || _idle[partition] != idle) && fed(partition))
            {
                _watermarks[partition] = watermark;
                _idle[partition] = idle;
                output.Add(partition);
            }
        }

        (_settled, _unsettled) = ((watermark, idle), false);
        if (output.Count > before)
        {
            _lastUpdateAt = now;
        }
    }
}
