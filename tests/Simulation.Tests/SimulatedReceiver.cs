using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Simulation.Model;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Simulation;

/// <summary>One container of the Orleans queue cache: one lane's batch of one read (a partition of one view).</summary>
internal sealed class Container(long readId, int index, SimBatch batch, int lane)
{
    public long ReadId { get; } = readId;
    public int Index { get; } = index;
    public SimBatch Batch { get; } = batch;
    public int Lane { get; } = lane;
    public bool Delivered { get; set; }
}

/// <summary>What the receiver keeps per read: its id and container count (for the PurgeByMax switch), and wm(s) at its end.</summary>
internal readonly record struct ReadInfo(long Id, int Containers, long? Watermark = null);

/// <summary>
/// The Kinesis receiver of one shard under one lease: a fetcher with a prefetch buffer, reads handed out as one
/// batch per lane (a partition of a view) through a <see cref="ShardReadLedger{TRead}"/>, and the Orleans queue cache
/// those batches go through (in order per lane, duplicated sometimes, purged bucket by bucket in any order).
/// </summary>
internal sealed class SimulatedReceiver
{
    private readonly Simulation _sim;
    private readonly SimShard _shard;
    private readonly Queue<SimRecord> _buffer = new();
    private readonly List<ReadInfo> _reads = [];
    private Position? _fetchAfter;
    private long? _latestEventTime;
    private bool _announced;

    public SimulatedReceiver(Simulation sim, SimShard shard, long id, long leaseCounter, Position? start, long firstReadId, bool replay = false)
    {
        Start = start;
        Replay = replay;
        _sim = sim;
        _shard = shard;
        Id = id;
        LeaseCounter = leaseCounter;
        Ledger = new ShardReadLedger<ReadInfo>(sim.Stream.Lanes, start, firstReadId);
        HandedOut = start;
        _fetchAfter = start;
        LastSent = new Position?[sim.Stream.Lanes];
        Array.Fill(LastSent, start);
    }

    public long Id { get; }
    public string ShardId => _shard.Id;

    /// <summary>Where this receiver started (its lease's checkpoint, or the replay request it serves).</summary>
    public Position? Start { get; }

    /// <summary>Reads an ended shard again for a partition that fell back behind its end; writes no checkpoint.</summary>
    public bool Replay { get; }
    public long LeaseCounter { get; }
    public ShardReadLedger<ReadInfo> Ledger { get; }

    /// <summary>False once the lease is lost: the cache still delivers, but nothing reads or reports any more.</summary>
    public bool Alive { get; set; } = true;

    /// <summary>The last record handed out (rule 8: a fetch restart continues right after it).</summary>
    public Position? HandedOut { get; private set; }

    public Position?[] LastSent { get; private set; }

    /// <summary>
    /// wm(s): the latest event time handed out since this receiver started or rewound, minus the out-of-orderness
    /// bound; null before the first record. Sent with every batch (at its read's end) and, through the checkpointer,
    /// with barriers (at the delivered position).
    /// </summary>
    public long? Watermark => _latestEventTime - _sim.Options.OutOfOrderness;

    /// <summary>wm(s) at the last delivered read (what a barrier claims with <c>Reached</c>).</summary>
    public long? DeliveredWatermark { get; private set; }

    /// <summary>Nothing to read and nothing in flight: the shard is idle (left out of partitions' watermarks until it has a record).</summary>
    public bool Idle => CaughtUp && Ledger.InFlight == 0;

    /// <summary>The Orleans queue cache: containers not purged yet, in the order they were added.</summary>
    public List<Container> Cache { get; } = [];

    public bool CaughtUp => _buffer.Count == 0 && !_shard.After(HandedOut, 1).Any();

    /// <summary>GetRecords: a page after the fetcher's position into the prefetch buffer.</summary>
    public void Fetch(int max)
    {
        foreach (var record in _shard.After(_fetchAfter, max))
        {
            _buffer.Enqueue(record);
            _fetchAfter = record.Position;
        }
    }

    /// <summary>The fetcher failed and restarts: buffered pages are dropped, reading continues after the last handed out.</summary>
    public void RestartFetch()
    {
        _buffer.Clear();
        _fetchAfter = HandedOut;
    }

    /// <summary>Hands out up to <paramref name="max"/> buffered records as one read: one batch per lane with events.</summary>
    public void Read(int max)
    {
        if (_buffer.Count == 0)
        {
            return;
        }

        var records = new List<SimRecord>();
        while (records.Count < max && _buffer.TryDequeue(out var record))
        {
            records.Add(record);
        }

        var to = records[^1].Position;
        foreach (var record in records)
        {
            _latestEventTime = _latestEventTime is { } latest ? Math.Max(latest, record.EventTime) : record.EventTime;
        }

        var watermark = Watermark;
        var stream = _sim.Stream;
        var lanes = records.SelectMany(r => stream.LanesOf(r.Key)).Distinct().Order().ToList();
        var batches = lanes
            .Select(lane => new SimBatch(ShardId, Ledger.FromOf(lane), to, records.Where(r => stream.LaneOf(lane / stream.Partitions, r.Key) == lane).ToList(), Id, watermark))
            .ToList();
        var id = Ledger.Append(to, lanes, new ReadInfo(Ledger.NextReadId, lanes.Count, watermark));
        _reads.Add(new ReadInfo(id, lanes.Count, watermark));
        for (var i = 0; i < batches.Count; i++)
        {
            Cache.Add(new Container(id, i, batches[i], lanes[i]));
        }

        HandedOut = to;
    }

    /// <summary>Orleans purged a container: every consumer had it (or gave up on it).</summary>
    public void Purged(Container container)
    {
        Cache.Remove(container);
        if (_sim.Options.PurgeByMax)
        {
            // The old rule: the highest purged container delivers every read up to its own.
            foreach (var read in _reads.Where(r => r.Id <= container.ReadId))
            {
                for (var i = 0; i < read.Containers; i++)
                {
                    Ledger.Delivered(read.Id, i);
                }
            }
        }
        else
        {
            Ledger.Delivered(container.ReadId, container.Index);
        }

        while (Ledger.TryComplete(out var completed))
        {
            _reads.RemoveAll(r => r.Id == completed.Payload.Id);
            if (Alive && completed.Reached is { } reached)
            {
                LastSent = completed.LastSentByLane!;
                DeliveredWatermark = completed.Payload.Watermark;
                _sim.Checkpointer.Processed(this, reached, LastSent);
            }
        }
    }

    /// <summary>A checkpoint barrier found a gap: read again from <paramref name="start"/> (null: the origin).</summary>
    public void Rewind(Position? start)
    {
        Ledger.Rewind(start);
        _buffer.Clear();
        HandedOut = start;
        _fetchAfter = start;
        LastSent = new Position?[_sim.Stream.Lanes];
        Array.Fill(LastSent, start);

        // wm(s) comes only from the records read: a replay's batches carry what the replay has seen (partitions keep
        // the higher value they hold), never a value from records beyond the batch's end.
        _latestEventTime = null;
        DeliveredWatermark = null;
    }

    /// <summary>
    /// Idle with nothing read since it started (a restart at the tip): it reports its start as delivered, so the next
    /// barrier tells every partition the shard is idle; they restored it as active (idle is not persisted), and would
    /// otherwise hold their watermark at its old one until a record comes.
    /// </summary>
    public void AnnounceIdle()
    {
        if (_announced || !Alive || Replay || !Idle || HandedOut != Start || _sim.Options.SilentIdleReaders)
        {
            return;
        }

        _announced = true;
        _sim.Checkpointer.Processed(this, Start, LastSent);
    }

    /// <summary>Read to the end of a closed shard and every read delivered: the checkpoint may become SHARD_END.</summary>
    public bool ReachedEnd => _shard.Closed && CaughtUp && Ledger.InFlight == 0;
}
