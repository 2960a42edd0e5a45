using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// The reader's side of the exactly-once rules for one shard: where each lane's next batch starts (From), and
/// which reads are delivered. A lane is one partition stream of one view (<c>Views.StreamLanes</c>; without keyed
/// views, a partition): each is a chain of batches of its own, checked by its partition grain's ledger. Rule 3: a
/// read becomes one container per lane it has events for, and Orleans purges its queue cache bucket by bucket, so a
/// read counts as delivered only once every one of its containers is, and reads complete in order. A rewind (rule 4)
/// restarts every lane's From at the replay start and voids the reads still in flight, so nothing they reach is ever
/// claimed for the replay. Plain C#, single-threaded by its owner.
/// </summary>
/// <typeparam name="TRead">What the owner keeps per read (counts for monitoring).</typeparam>
internal sealed class ShardReadLedger<TRead>
{
    private readonly Position?[] _sent;
    private readonly Position?[] _delivered;
    private readonly Queue<Read> _reads = new();
    private Position? _reached;
    private long _nextId;

    /// <param name="laneCount">Views × partitions: the lanes a read's containers go on.</param>
    /// <param name="start">Where the reader starts: after the checkpoint, or null at the shard's origin.</param>
    /// <param name="firstReadId">The first read's id (a receiver started later should order after an earlier one).</param>
    public ShardReadLedger(int laneCount, Position? start, long firstReadId)
    {
        _sent = new Position?[laneCount];
        _delivered = new Position?[laneCount];
        _nextId = firstReadId;
        Rewind(start);
    }

    /// <summary>Where the current reading began (null: the shard's origin).</summary>
    public Position? Start { get; private set; }

    /// <summary>Reads handed out whose containers are not all delivered yet.</summary>
    public int InFlight => _reads.Count;

    /// <summary>The From of the lane's next batch: the end of the last batch it was sent, or the start.</summary>
    public Position? FromOf(int lane) => _sent[lane];

    /// <summary>The id the next read takes.</summary>
    public long NextReadId => _nextId;

    /// <summary>Records a read reaching <paramref name="to"/> with one container per lane in <paramref name="lanes"/>, in order.</summary>
    /// <returns>The read's id; its containers are (id, index in <paramref name="lanes"/>).</returns>
    public long Append(Position? to, IReadOnlyList<int> lanes, TRead payload)
    {
        var id = _nextId++;
        var members = lanes.ToArray();
        if (to is not null)
        {
            foreach (var lane in members)
            {
                _sent[lane] = to;
            }
        }

        _reads.Enqueue(new Read(id, to, members, new bool[members.Length], members.Length, payload));
        return id;
    }

    /// <summary>Orleans purged one container of a read (every consumer had it). Repeats and unknown ids are ignored.</summary>
    public void Delivered(long readId, int containerIndex)
    {
        if (_reads.Count == 0 || readId < _reads.Peek().Id)
        {
            return;
        }

        foreach (var read in _reads)
        {
            if (read.Id == readId)
            {
                if (containerIndex >= 0 && containerIndex < read.Done.Length && !read.Done[containerIndex])
                {
                    read.Done[containerIndex] = true;
                    read.Outstanding--;
                }

                return;
            }
        }
    }

    /// <summary>Takes the oldest read once all its containers are delivered (reads complete in order).</summary>
    public bool TryComplete(out CompletedRead<TRead> completed)
    {
        if (!_reads.TryPeek(out var read) || read.Outstanding > 0)
        {
            completed = default;
            return false;
        }

        _reads.Dequeue();
        if (read.Void)
        {
            completed = new CompletedRead<TRead>(read.Payload, null, [], true);
            return true;
        }

        if (read.To is { } to)
        {
            _reached = to;
            foreach (var lane in read.Lanes)
            {
                _delivered[lane] = to;
            }
        }

        completed = new CompletedRead<TRead>(read.Payload, _reached, (Position?[])_delivered.Clone(), false);
        return true;
    }

    /// <summary>Starts reading again at <paramref name="start"/> (null: the origin); reads in flight no longer count.</summary>
    public void Rewind(Position? start)
    {
        foreach (var read in _reads)
        {
            read.Void = true;
        }

        Start = _reached = start;
        Array.Fill(_sent, start);
        Array.Fill(_delivered, start);
    }

    private sealed class Read(long id, Position? to, int[] lanes, bool[] done, int outstanding, TRead payload)
    {
        public long Id { get; } = id;
        public Position? To { get; } = to;
        public int[] Lanes { get; } = lanes;
        public bool[] Done { get; } = done;
        public int Outstanding { get; set; } = outstanding;
        public TRead Payload { get; } = payload;
        public bool Void { get; set; }
    }
}

/// <summary>A read all of whose containers were delivered.</summary>
/// <param name="Reached">Everything of the shard up to here is delivered (this read's end, or the last one's for a read of
/// no records); null: nothing since the origin, or the read was voided by a rewind.</param>
/// <param name="LastSentByLane">For each lane, the end of the last delivered batch it was sent (the start when none).</param>
/// <param name="Voided">Handed out before a rewind: counts for nothing.</param>
internal readonly record struct CompletedRead<TRead>(TRead Payload, Position? Reached, Position?[] LastSentByLane, bool Voided);
