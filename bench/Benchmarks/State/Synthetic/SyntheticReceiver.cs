using System.Globalization;
using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Views;
using Orleans.Runtime;
using Orleans.Streams;
using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// A queue adapter receiver that makes its shard's records instead of fetching them, then does what
/// <see cref="KinesisAdapterReceiver"/> does with a read: decodes each record with a <see cref="RecordDecoder{TEvent}"/>
/// (the partition of its key by <see cref="PartitionMap"/>, and of its key in each of the load's views), builds one
/// <see cref="KinesisBatchContainer"/> per lane with the previous batch's end as its start, and hands the pulling agent
/// at most what it asks for.
/// </summary>
internal sealed class SyntheticReceiver : IQueueAdapterReceiver
{
    // Kinesis sequence numbers are 56-digit decimals; the grains compare and store them as strings. Here: 28 fixed
    // digits, the receiver's start time (18), its record count (10).
    private const string SequencePrefix = "4959033827149025660855969253";

    private readonly SyntheticFeed _feed;
    private readonly string _shardId;
    private readonly List<LaneBatch> _batches = [];
    private readonly Queue<IBatchContainer> _ready = new();

    // Per namespace: each grain class checks that a batch starts where the shard's previous one for it ended.
    private readonly Dictionary<string, Position?[]> _lastTo = new(StringComparer.Ordinal);
    private readonly string _epoch;
    private SyntheticLoad? _load;
    private RecordDecoder _decoder = null!;
    private StreamLanes _lanes = null!;
    private long _records;
    private long _reads;

    // Event time: the newest event time this shard read (its watermark), and the load whose final watermark it sent.
    private long? _watermark;
    private SyntheticLoad? _finalSent;

    public SyntheticReceiver(SyntheticFeed feed, string shardId)
    {
        _feed = feed;
        _shardId = shardId;

        // A shard read again by a later silo (the snapshot benchmark's second load) goes on after what the partitions
        // hold, or they would skip its records as redeliveries.
        _epoch = SequencePrefix + DateTime.UtcNow.Ticks.ToString("D18", CultureInfo.InvariantCulture);
    }

    public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        if (_ready.Count == 0)
        {
            Read();
        }

        var count = maxCount < 0 ? _ready.Count : Math.Min(maxCount, _ready.Count);
        var containers = new List<IBatchContainer>(count);
        while (containers.Count < count)
        {
            containers.Add(_ready.Dequeue());
        }

        return Task.FromResult<IList<IBatchContainer>>(containers);
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

    public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;

    private void Read()
    {
        var cpuBefore = ThreadCpu.Nanoseconds();
        if (_feed.Current is not { } load)
        {
            return;
        }

        if (!ReferenceEquals(load, _load))
        {
            // Each load has views of its own: a decoder and lanes for it.
            _load = load;
            _decoder = new RecordDecoder<long>(new IncrementHandler(), new PartitionMap(_feed.PartitionCount), views: load.Views);
            _lanes = new StreamLanes(load.StreamNamespace, load.Views.Select(v => v.Name), _feed.PartitionCount);
        }

        if (!load.TryClaim(out var start, out var count))
        {
            if (load.Times is { } final && !ReferenceEquals(_finalSent, load))
            {
                _finalSent = load;
                SendWatermark(load, final.FinalWatermark, cpuBefore);
            }

            return;
        }

        Position to = default;
        for (var i = start; i < start + count; i++)
        {
            var sequenceNumber = _epoch + (++_records).ToString("D10", CultureInfo.InvariantCulture);
            // An event time rides as the arrival time, which is what event time is when no extractor is set.
            DateTimeOffset arrival = default;
            if (load.Times is { } times)
            {
                var time = times.TimeOf(i);
                _watermark = Math.Max(_watermark ?? long.MinValue, time);
                arrival = DateTimeOffset.FromUnixTimeMilliseconds(time);
            }

            var record = new StreamRecord(ReadOnlyMemory<byte>.Empty, load.KeyOf(i), sequenceNumber, 0, null, arrival, _shardId);
            _decoder.Add(record);
            to = record.Token;
        }

        _batches.Clear();
        _decoder.Build(_shardId, to, lane => LastTo(_lanes.NamespaceOf(lane))[_lanes.PartitionOf(lane)], _batches, load.Times is null ? null : Watermark);
        Enqueue(to);
        load.CountRead(_batches.Count, ThreadCpu.Nanoseconds() - cpuBefore);
    }

    /// <summary>An empty read at a new position that carries the shard's watermark to every lane (as a quiet shard's receiver sends it).</summary>
    private void SendWatermark(SyntheticLoad load, long watermark, long cpuBefore)
    {
        _watermark = Math.Max(_watermark ?? long.MinValue, watermark);
        var to = new Position(_epoch + (++_records).ToString("D10", CultureInfo.InvariantCulture), 0);
        _batches.Clear();
        for (var lane = 0; lane < _lanes.Count; lane++)
        {
            _batches.Add(_decoder.BuildWatermarkUpdate(_shardId, lane, LastTo(_lanes.NamespaceOf(lane))[_lanes.PartitionOf(lane)], to, Watermark, shardIdle: false));
        }

        Enqueue(to);
        load.CountRead(_batches.Count, ThreadCpu.Nanoseconds() - cpuBefore);
        load.CountFinal();
    }

    /// <summary>The read's batches as containers on their lanes' streams; each lane's next batch starts at <paramref name="to"/>.</summary>
    private void Enqueue(Position to)
    {
        for (var index = 0; index < _batches.Count; index++)
        {
            var (lane, batch) = _batches[index];
            var streamNamespace = _lanes.NamespaceOf(lane);
            LastTo(streamNamespace)[batch.Partition] = to;
            _ready.Enqueue(new KinesisBatchContainer(StreamId.Create(streamNamespace, batch.Partition), new KinesisSequenceToken(_reads, index), batch));
        }

        _reads++;
    }

    private Position?[] LastTo(string streamNamespace)
    {
        if (!_lastTo.TryGetValue(streamNamespace, out var lastTo))
        {
            _lastTo[streamNamespace] = lastTo = new Position?[_feed.PartitionCount];
        }

        return lastTo;
    }

    private DateTimeOffset? Watermark => _watermark is { } w ? DateTimeOffset.FromUnixTimeMilliseconds(w) : null;
}
