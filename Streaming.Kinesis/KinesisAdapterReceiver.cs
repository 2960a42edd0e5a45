using System.Diagnostics;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Kpl;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

using Position = KinesisGrains.Abstractions.Streams.ShardPosition;

namespace KinesisGrains.Streaming.Kinesis;

/// <summary>
/// The queue adapter receiver of one shard. A fetcher prefetches pages into the fetch buffer (paced, throttle-aware,
/// spilling to disk); each call of the pulling agent takes what is buffered, de-aggregates KPL records, decodes them
/// with the message handler (and the keyed views' key selectors), and returns one batch container per lane (a view's
/// partition stream) that got events. A position counts as delivered when Orleans purges every container up to it
/// from its cache; the checkpointer then makes it durable through the partitions before it moves the shard's
/// checkpoint. Every batch carries the shard's event-time watermark; lanes the newest records did not reach get it in
/// batches of no events (<see cref="WatermarkUpdates"/>).
/// </summary>
internal sealed partial class KinesisAdapterReceiver : IQueueAdapterReceiver
{
    private const int MaxRecordsPerRead = 20_000;
    private int _recordsInFlight;
    private readonly KinesisStreamContext _context;
    private readonly string _shardId;
    private readonly ILogger _logger;
    private readonly RecordDecoder _decoder;
    private readonly KplDeaggregator _deaggregator;
    private readonly List<UserRecord> _userRecords = [];
    private readonly List<LaneBatch> _batches = [];
    private readonly List<FetchedPage> _pages = [];
    private readonly List<int> _lanesOfRead = [];
    private readonly List<int> _watermarkDue = [];
    private readonly Queue<IBatchContainer> _ready = new();
    private readonly ShardProgress _progress;
    private readonly ShardReadLedger<ReadCounts> _reads;
    private readonly ShardWatermark _watermark;
    private readonly WatermarkUpdates _watermarkUpdates;
    private ShardLease? _lease;
    private Shard? _shard;
    private Position? _resumeAfter;
    private DateTimeOffset? _latestOpenedAt;
    private ShardQueue? _queue;
    private IShardRecordSource? _fetcher;
    private CancellationTokenSource? _stopFetching;
    private Task _fetching = Task.CompletedTask;
    private bool _ended;
    private bool _idle;

    // The last record handed out since reading (re)started: where a watermark update's batches end.
    private Position? _lastRead;

    // The idle flag the last read handed to the read ledger carried (so, once delivered, to the checkpointer). Partitions
    // restore a shard as active, so a reader started at the tip must say it is idle without having read anything.
    private bool _idleAnnounced;

    // Counted among the provider's active receivers (a live rescale waits for none): from Initialize to the end of Shutdown.
    private bool _counted;

    // A read reaching SHARD_END was handed out: no read may follow it (its completion writes the shard's end).
    private bool _readToEnd;

    public KinesisAdapterReceiver(KinesisStreamContext context, string shardId)
    {
        _context = context;
        _shardId = shardId;
        _logger = context.Loggers.CreateLogger<KinesisAdapterReceiver>();
        _decoder = context.CreateDecoder();
        _deaggregator = new(new KplDeaggregatorOptions { DropAggregatesOutsideShardRange = context.Options.Source.DropAggregatesOutsideShardRange });
        _progress = context.ProgressOf(shardId);

        // Later receivers of a shard order after earlier ones in any cache that compares their tokens.
        _reads = new ShardReadLedger<ReadCounts>(context.Lanes.Count, null, context.Time.GetUtcNow().UtcTicks);
        var eventTime = context.Options.EventTime;
        _watermark = new ShardWatermark(eventTime.OutOfOrderness, eventTime.IdleTimeout, context.Time);

        // Per lane: each view's partition streams learn the shard's watermark like the primary ones.
        _watermarkUpdates = new WatermarkUpdates(context.Lanes.Count, eventTime.WatermarkInterval, context.Time);
    }

    public string ShardId => _shardId;

    public Task Initialize(TimeSpan timeout)
    {
        _lease = _context.LeaseOf(_shardId);
        _shard = _context.ShardOf(_shardId);
        if (!_counted)
        {
            _counted = true;
            _context.ReceiverStarted();
        }

        if (_lease.IsReplayRequested)
        {
            StartReplay(_lease);
            return Task.CompletedTask;
        }

        if (_lease.IsShardEnd)
        {
            _ended = true;
            _progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true, Checkpoint = _lease.Checkpoint });
            return Task.CompletedTask;
        }

        _resumeAfter = SentinelCheckpoint.IsSentinel(_lease.Checkpoint) ? null : new Position(_lease.Checkpoint, _lease.CheckpointSubSequenceNumber);

        // At an adopted checkpoint the batches come from the application's origin: partitions owe nothing before it.
        _reads.Rewind(_lease.IsAtAdoptedCheckpoint ? null : _resumeAfter);
        _context.Checkpointer.Started(_shardId, new ShardCheckpoint(_resumeAfter, Ended: false));
        _watermark.StartClock();
        var now = _context.Time.GetUtcNow();
        _progress.Update(p => p with { State = ShardReceiverState.Reading, Checkpoint = _lease.Checkpoint, CaughtUp = false, LastError = null, ReadingSince = now, FirstDeliveredAt = null });
        LogStarted(_logger, _shardId, _lease.Checkpoint, _lease.CheckpointSubSequenceNumber);
        StartFetching(afterSequenceNumber: null);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Reads an ended shard again, from the lease's replay request to the end, for a partition that came back from a
    /// snapshot older than the shard's end (rule 4 after SHARD_END). Partitions that hold the records skip them by
    /// their marks; the checkpoint stays SHARD_END, and the request is done once a barrier finds every partition
    /// holding the end again.
    /// </summary>
    private void StartReplay(ShardLease lease)
    {
        _resumeAfter = lease.ReplayStart ?? lease.AdoptedPosition;
        _reads.Rewind(lease.ReplayStart);
        _context.Checkpointer.StartedReplay(_shardId, lease.ReplayFrom!);
        _watermark.StartClock();
        var now = _context.Time.GetUtcNow();
        _progress.Update(p => p with { State = ShardReceiverState.Reading, Checkpoint = lease.Checkpoint, CaughtUp = false, LastError = null, ReadingSince = now, FirstDeliveredAt = null });
        LogReplayStarted(_logger, _shardId, lease.ReplayFrom!);
        StartFetching(afterSequenceNumber: null);
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        if (_ready.Count == 0)
        {
            await ReadAsync();
        }

        // The cache takes at most maxCount at a time; the rest of a read waits for the next call, in order.
        var count = maxCount < 0 ? _ready.Count : Math.Min(maxCount, _ready.Count);
        var containers = new List<IBatchContainer>(count);
        while (containers.Count < count)
        {
            containers.Add(_ready.Dequeue());
        }

        return containers;
    }

    /// <summary>Takes what the fetcher buffered and turns it into containers ready for the cache.</summary>
    private async Task ReadAsync()
    {
        // Only between reads (nothing of an earlier read waits to be handed over to the cache).
        if (_queue is not null && _context.Checkpointer.TakeRewind(_shardId, out var replayFrom))
        {
            if (_ended)
            {
                // A partition missed events of this shard after it ended: the SHARD_END checkpoint, which the
                // children wait for, is held back until the replay fills the gap.
                _ended = false;
                _progress.Update(p => p with { State = ShardReceiverState.Reading, CaughtUp = false });
            }

            await RewindAsync(replayFrom);
        }

        if (_ended || _queue is null)
        {
            return;
        }

        if (_fetching.IsFaulted)
        {
            // Rule 8: the pages already buffered are still good and stay; the new fetcher continues after the last
            // record fetched, so nothing is read twice and nothing produced during the outage is skipped.
            var error = _fetching.Exception!.GetBaseException();
            LogFetcherFailed(_logger, _shardId, error);
            _progress.Update(p => p with { LastError = error.Message });
            StartFetching(_fetcher!.LastFetchedSequenceNumber);
        }

        // Records handed to Orleans but not yet delivered stay few (two fetches' worth): the rest waits in the fetch
        // buffer, which bounds memory and spills to disk, rather than in the queue cache, which does neither.
        var room = Math.Min(MaxRecordsPerRead, 2 * _context.Options.Source.MaxRecordsPerFetch) - _recordsInFlight;
        _pages.Clear();
        var records = 0;
        while (room > 0 && records < room && (_pages.Count == 0 || !_pages[^1].IsShardEnd) && _queue.TryDequeue(out var page))
        {
            _pages.Add(page);
            records += page.Records.Count;
        }

        if (_pages.Count == 0)
        {
            NoteIdle();
            SendWatermarkUpdates();
            AdvanceDelivered();
            return;
        }

        var decodeStarted = Stopwatch.GetTimestamp();
        var read = 0;
        var deadLettered = 0;
        Position? last = null;
        foreach (var page in _pages)
        {
            foreach (var record in page.Records)
            {
                last = Expand(record, ref read, ref deadLettered) ?? last;
            }
        }

        // The read's events move the watermark before its batches are built: each batch carries it.
        if (_decoder.EventTimes.Max is { } latest && _watermark.Observe(latest))
        {
            _progress.Update(p => p with { Watermark = _watermark.Current });
            _context.Monitor.WatermarkChanged(_shardId, _watermark.Current, _idle);
        }

        NoteIdle();
        _lanesOfRead.Clear();
        _batches.Clear();
        if (last is { } to)
        {
            _decoder.Build(_shardId, to, _reads.FromOf, _batches, _watermark.Current, _idle);
            AddWatermarkUpdates(to);
            _lastRead = to;
            EnqueueBatches();
        }

        var newest = _pages[^1];
        var readAt = Stopwatch.GetTimestamp();
        _context.Monitor.Read(
            _shardId,
            FirstSequenceNumber(),
            last?.SequenceNumber,
            read + deadLettered,
            deadLettered,
            _pages.Sum(p => p.SizeBytes),
            newest.MillisBehindLatest,
            readAt - decodeStarted,
            _decoder.Observed,
            _decoder.EventTimes);
        // SHARD_END's page names the children: the ending round names them to the partitions before their leases exist.
        var children = newest.IsShardEnd && newest.ChildShards.Count > 0 ? newest.ChildShards.Select(c => c.ShardId).ToList() : null;
        _reads.Append(last, _lanesOfRead, new ReadCounts(newest.IsShardEnd, read, deadLettered, records, readAt, _watermark.Current, _idle, children));
        _idleAnnounced = _idle;
        _readToEnd |= newest.IsShardEnd;
        _recordsInFlight += records;
        _progress.Update(p => p with { MillisBehindLatest = newest.MillisBehindLatest });
        AdvanceDelivered();
        if (read + deadLettered > 0)
        {
            LogRead(_logger, _shardId, read, deadLettered, _ready.Count);
        }
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages)
    {
        foreach (var message in messages)
        {
            if (message is KinesisBatchContainer container)
            {
                _reads.Delivered(container.Token.SequenceNumber, container.Token.EventIndex);
            }
        }

        AdvanceDelivered();
        return Task.CompletedTask;
    }

    public async Task Shutdown(TimeSpan timeout)
    {
        try
        {
            await ShutdownCoreAsync(timeout);
        }
        finally
        {
            if (_counted)
            {
                _counted = false;
                _context.ReceiverStopped();
            }
        }
    }

    private async Task ShutdownCoreAsync(TimeSpan timeout)
    {
        await StopFetchingAsync();
        _context.Buffer.RemoveQueue(_shardId);
        if (!_ended)
        {
            _progress.Update(p => p with { State = ShardReceiverState.Stopped, CaughtUp = false });
        }

        // Graceful stop: what was delivered is made durable and checkpointed before another silo takes the shard.
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _context.Checkpointer.CheckpointAsync(cancel.Token);
        }
        catch (Exception exception)
        {
            LogFinalCheckpointFailed(_logger, _shardId, exception);
        }

        _context.Checkpointer.Stopped(_shardId);
        _context.Monitor.ShardStopped(_shardId);

        // The silo stops (not a lease lost or a shard ended, which the balancer already let go), or the application's
        // input pauses: release the lease so another silo continues at its next pass from that checkpoint, instead of
        // waiting for it to expire, and a paused application is seen to hold no lease.
        if ((_context.Stopping && _context.Release(_shardId)) || _context.TakeHandBack(_shardId))
        {
            try
            {
                // A time of its own: a final checkpoint that used up the stop's budget must not keep the lease held
                // until it expires (the next owner would wait LeaseFailoverTime for nothing).
                using var release = new CancellationTokenSource(ReleaseTimeout);
                await _context.Leases.ReleaseAsync(_shardId, _context.Options.WorkerId, release.Token);
                LogReleased(_logger, _shardId);
            }
            catch (Exception exception)
            {
                LogReleaseFailed(_logger, _shardId, exception);
            }
        }
    }

    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The first record of this read's pages, for the progress record.</summary>
    private string? FirstSequenceNumber()
    {
        foreach (var page in _pages)
        {
            if (page.Records.Count > 0)
            {
                return page.Records[0].SequenceNumber;
            }
        }

        return null;
    }

    /// <summary>
    /// Moves the delivered position over every read all of whose containers Orleans has purged (delivered to every
    /// consumer), in order; a read without containers (all dead letters or duplicates) follows the reads before it.
    /// </summary>
    private void AdvanceDelivered()
    {
        while (_context.TryTakeDeliveryFailure(_shardId, out var failed))
        {
            _reads.Delivered(failed.SequenceNumber, failed.EventIndex);
        }

        while (_reads.TryComplete(out var completed))
        {
            var pending = completed.Payload;
            _recordsInFlight -= pending.Records;
            if (completed.Voided)
            {
                // Read before a rewind: the replay reads these records again, and claims them then.
                continue;
            }

            _context.Monitor.Delivered(_shardId, pending.Events + pending.DeadLettered, Stopwatch.GetTimestamp() - pending.ReadAt);
            var position = completed.Reached;
            if (position is not null || pending.ShardEnd || pending.Idle)
            {
                _context.Checkpointer.Processed(_shardId, position, pending.ShardEnd, completed.LastSentByLane, pending.Watermark, pending.Idle, pending.Children);
            }

            var deliveredAt = pending.Events + pending.DeadLettered > 0 ? _context.Time.GetUtcNow() : (DateTimeOffset?)null;
            _progress.Update(p => p with
            {
                FirstDeliveredAt = p.FirstDeliveredAt ?? deliveredAt,
                LastDeliveredAt = deliveredAt ?? p.LastDeliveredAt,
                RecordsRead = p.RecordsRead + pending.Events + pending.DeadLettered,
                EventsApplied = p.EventsApplied + pending.Events,
                DeadLettered = p.DeadLettered + pending.DeadLettered,
                LastSequenceNumber = position?.SequenceNumber ?? p.LastSequenceNumber,
            });
            if (pending.ShardEnd)
            {
                _ended = true;
                _progress.Update(p => p with { State = ShardReceiverState.Ended, CaughtUp = true });
                LogShardEnded(_logger, _shardId);
                _ = CheckpointEndAsync();
            }

        }

        // Reads of no records (watermark updates) in flight leave a shard caught up.
        if (_recordsInFlight == 0 && _queue is { Count: 0 } && !_ended)
        {
            var behind = _progress.Snapshot.MillisBehindLatest;
            _progress.Update(p => p with { CaughtUp = behind == 0, Checkpoint = _context.Checkpointer.GetCheckpoint(_shardId) ?? p.Checkpoint });
        }
        else if (_recordsInFlight > 0)
        {
            _progress.Update(p => p with { CaughtUp = false });
        }
    }

    /// <summary>
    /// Reads the shard again from where a partition that missed events of it holds it (rule 4: that may be before
    /// the checkpoint, when the partition came back from an older snapshot): every partition sees the replay, and
    /// the ones that have the events already skip them by their marks. Reads in flight count for nothing now.
    /// </summary>
    private async Task RewindAsync(Position? replayFrom)
    {
        await StopFetchingAsync();
        _context.Buffer.RemoveQueue(_shardId);
        _resumeAfter = replayFrom ?? _lease!.AdoptedPosition;
        _reads.Rewind(replayFrom);
        (_lastRead, _readToEnd) = (null, false);
        _context.Checkpointer.Rewound(_shardId);
        LogRewind(_logger, _shardId, replayFrom?.ToString() ?? _lease!.AdoptedPosition?.ToString() ?? "its origin");
        StartFetching(afterSequenceNumber: null);
    }

    /// <summary>
    /// Turns the shard idle when no event was read for the idle timeout and nothing waits (not behind the tip, nothing
    /// buffered, every read delivered: a backpressured or lagging shard is slow, not idle, and partitions must not
    /// pass what is still on its way); active again once it has an event or falls behind.
    /// </summary>
    private void NoteIdle()
    {
        var behind = _progress.Snapshot.MillisBehindLatest is > 0;
        var idle = _idle
            ? _watermark.IsQuiet && !behind
            : _watermark.IsQuiet && !behind && _queue is { Count: 0 } && _recordsInFlight == 0;
        if (idle == _idle)
        {
            return;
        }

        _idle = idle;
        _progress.Update(p => p with { Idle = idle });
        _context.Monitor.WatermarkChanged(_shardId, _watermark.Current, idle);
        LogIdle(_logger, _shardId, idle ? "idle" : "active", _context.Options.EventTime.IdleTimeout);
    }

    /// <summary>
    /// Adds to the read's batches a watermark update (no events, up to <paramref name="to"/>) for each lane this
    /// reading fed before whose last batch carried another watermark or idle flag, at most once per watermark interval.
    /// </summary>
    private void AddWatermarkUpdates(Position to)
    {
        var watermark = _watermark.Current;
        foreach (var (lane, _) in _batches)
        {
            _watermarkUpdates.Sent(lane, watermark, _idle);
        }

        _watermarkDue.Clear();
        _watermarkUpdates.TakeDue(watermark, _idle, IsFed, _watermarkDue);
        foreach (var lane in _watermarkDue)
        {
            _batches.Add(_decoder.BuildWatermarkUpdate(_shardId, lane, _reads.FromOf(lane), to, watermark, _idle));
        }

        if (_watermarkDue.Count > 0)
        {
            StreamingKinesisMetrics.WatermarkUpdates.Add(
                _watermarkDue.Count, new KeyValuePair<string, object?>("stream", _context.Options.Source.StreamName), new KeyValuePair<string, object?>("shard", _shardId));
        }
    }

    /// <summary>The lane was sent a batch since reading (re)started: the shard's records from its From on hold nothing for it.</summary>
    private bool IsFed(int lane) => _reads.FromOf(lane) != _reads.Start;

    /// <summary>
    /// With nothing read: watermark updates as a read of no records up to the last record read (an idle flip, or a
    /// watermark an earlier read moved within the interval), through the read ledger like any read. An idle flip
    /// with no lane to update (nothing read since the start) is still such a read: once delivered, the checkpointer's
    /// next barrier carries it to every partition.
    /// </summary>
    private void SendWatermarkUpdates()
    {
        if (_readToEnd)
        {
            return;
        }

        _batches.Clear();
        if (_lastRead is { } to)
        {
            AddWatermarkUpdates(to);
        }

        if (_batches.Count == 0 && _idle == _idleAnnounced)
        {
            return;
        }

        EnqueueBatches();
        _reads.Append(_lastRead, _lanesOfRead, new ReadCounts(false, 0, 0, 0, Stopwatch.GetTimestamp(), _watermark.Current, _idle));
        _idleAnnounced = _idle;
    }

    /// <summary>The read's batches as containers on their lanes' streams, ready for the cache; their lanes for the read ledger.</summary>
    private void EnqueueBatches()
    {
        var readId = _reads.NextReadId;
        _lanesOfRead.Clear();
        for (var index = 0; index < _batches.Count; index++)
        {
            var (lane, batch) = _batches[index];
            _lanesOfRead.Add(lane);
            _ready.Enqueue(new KinesisBatchContainer(_context.StreamIdOf(lane), new KinesisSequenceToken(readId, index), batch) { Source = _context.LocalSilo });
        }
    }

    /// <summary>Children wait for this shard's SHARD_END checkpoint: write it now rather than at the next interval.</summary>
    private async Task CheckpointEndAsync()
    {
        try
        {
            await _context.Checkpointer.CheckpointAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogFinalCheckpointFailed(_logger, _shardId, exception);
        }

        _context.SyncNow.Release();
    }

    /// <summary>Turns a Kinesis record into events, dropping what the checkpoint already covers; returns the last position.</summary>
    private Position? Expand(KinesisRecord record, ref int read, ref int deadLettered)
    {
        _userRecords.Clear();
        var result = _deaggregator.Deaggregate(record, _userRecords, _shard!.HashKeyRange);
        if (result.Outcome == DeaggregationOutcome.DroppedOutsideShardRange)
        {
            LogAggregateDropped(_logger, _shardId, record.SequenceNumber, result.DroppedRecordCount);
        }
        else if (result.Outcome == DeaggregationOutcome.CorruptPassedThrough)
        {
            LogCorruptAggregate(_logger, _shardId, record.SequenceNumber, result.CorruptReason ?? result.Corruption.ToString());
        }

        Position? last = null;
        foreach (var user in _userRecords)
        {
            var streamRecord = new StreamRecord(
                user.Data, user.PartitionKey, user.SequenceNumber, user.SubSequenceNumber, user.ExplicitHashKey, user.ApproximateArrivalTimestamp, _shardId);
            if (_resumeAfter is { } resume && streamRecord.Token <= resume)
            {
                continue;
            }

            last = streamRecord.Token;
            if (_decoder.Add(streamRecord))
            {
                read++;
            }
            else
            {
                deadLettered++;
            }
        }

        return last;
    }

    private void StartFetching(string? afterSequenceNumber)
    {
        _stopFetching?.Dispose();
        _stopFetching = new CancellationTokenSource();
        _queue = _context.Buffer.GetQueue(_shardId);
        var fetcher = _fetcher = ShardRecordSources.Create(
            _context, _shardId, _progress, _queue, _logger, afterSequenceNumber,
            _lease is { Checkpoint: SentinelCheckpoint.Latest, OriginSequenceNumber: null } ? RecordOriginAsync : null);
        var token = _stopFetching.Token;
        _fetching = Task.Run(() => fetcher.RunAsync(StartingPositionOf, token), token);
    }

    private async Task StopFetchingAsync()
    {
        if (_stopFetching is null)
        {
            return;
        }

        await _stopFetching.CancelAsync();
        try
        {
            await _fetching;
        }
        catch (Exception exception) when (exception is OperationCanceledException || _fetching.IsFaulted)
        {
        }
    }

    /// <summary>Where the shard's source starts: after <paramref name="afterSequenceNumber"/>, else where this receiver resumes.</summary>
    private Task<StartingPosition> StartingPositionOf(string? afterSequenceNumber, CancellationToken cancellationToken)
    {
        var options = _context.Options.Source;
        if (afterSequenceNumber is not null)
        {
            return Task.FromResult(StartingPosition.After(afterSequenceNumber));
        }

        if (_resumeAfter is { } resume)
        {
            // AT, not AFTER: an aggregate checkpointed part-way (sub-sequence > 0) is read again and filtered.
            var type = resume.SubSequenceNumber > 0 ? ShardIteratorType.AtSequenceNumber : ShardIteratorType.AfterSequenceNumber;
            return Task.FromResult(new StartingPosition(type, resume.SequenceNumber));
        }

        var lease = _lease!;
        var (start, timestamp) = StartingPoint() switch
        {
            SentinelCheckpoint.TrimHorizon => (ShardIteratorType.TrimHorizon, (DateTimeOffset?)null),
            // A reset's time is the shard's own (in its row); otherwise the application's initial one.
            SentinelCheckpoint.AtTimestamp => (ShardIteratorType.AtTimestamp, lease.ResetTimestamp ?? options.InitialTimestamp),
            // Rule 8: a shard started at LATEST begins, for every later reader until its first checkpoint, at the
            // first record its first reader fetched (kept in the lease row); before any record was fetched, at the
            // time this receiver first looked. Never a new LATEST that would skip what arrived in between.
            _ when lease.OriginSequenceNumber is not null => (ShardIteratorType.AtSequenceNumber, null),
            _ when _latestOpenedAt is { } openedAt => (ShardIteratorType.AtTimestamp, openedAt),
            _ => (ShardIteratorType.Latest, null),
        };
        if (start == ShardIteratorType.Latest)
        {
            _latestOpenedAt = _context.Time.GetUtcNow();
        }

        return Task.FromResult(new StartingPosition(start, start == ShardIteratorType.AtSequenceNumber ? lease.OriginSequenceNumber : null, timestamp));
    }

    /// <summary>
    /// Where a reader without a position starts: the lease's initial position while it has no checkpoint; after one
    /// (a replay from the origin for a partition that came back empty, of an open or an ended shard) the position the
    /// shard was first read from: its kept first record when it started at LATEST, a reshard's child from its
    /// beginning, where the last <c>kgrains reset</c> set it, else the application's initial position. Never LATEST past
    /// a checkpoint, which would skip the records.
    /// </summary>
    private string StartingPoint() =>
        SentinelCheckpoint.IsSentinel(_lease!.Checkpoint) && !_lease.IsShardEnd ? _lease.Checkpoint
        : _lease.OriginSequenceNumber is not null ? SentinelCheckpoint.Latest
        : _lease.ResetOrigin is { } reset ? reset
        : _lease.ParentShardIds.Count > 0 ? SentinelCheckpoint.TrimHorizon
        : _context.Options.Source.InitialPosition;

    /// <summary>Keeps the first record of a shard started at LATEST in its lease row, before anything of it is handed out.</summary>
    private async Task RecordOriginAsync(string sequenceNumber, CancellationToken cancellationToken)
    {
        await _context.Leases.RecordOriginAsync(_shardId, _context.Options.WorkerId, sequenceNumber, cancellationToken);
        _lease = _lease! with { OriginSequenceNumber = sequenceNumber };
    }

    /// <summary>What a read held, for monitoring and the in-flight bound.</summary>
    /// <param name="Watermark">The shard's watermark at the read's end, for the barrier once the read is delivered.</param>
    private readonly record struct ReadCounts(bool ShardEnd, int Events, int DeadLettered, int Records, long ReadAt, DateTimeOffset? Watermark, bool Idle, IReadOnlyList<string>? Children = null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reading from checkpoint {Checkpoint}/{SubSequenceNumber}")]
    private static partial void LogStarted(ILogger logger, string shardId, string checkpoint, long subSequenceNumber);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: ended, read again from {ReplayFrom} for a partition that came back from an older snapshot")]
    private static partial void LogReplayStarted(ILogger logger, string shardId, string replayFrom);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: reached SHARD_END and delivered everything before it")]
    private static partial void LogShardEnded(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: dropped the KPL aggregate {SequenceNumber} ({Records} records): a record's hash key is outside the shard's range (the KCL rule; Kinesis:DropAggregatesOutsideShardRange=false keeps them)")]
    private static partial void LogAggregateDropped(ILogger logger, string shardId, string sequenceNumber, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: record {SequenceNumber} looks like a KPL aggregate but is not valid ({Reason}); passed on as one plain record")]
    private static partial void LogCorruptAggregate(ILogger logger, string shardId, string sequenceNumber, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {ShardId}: fetching failed; it starts again after the last record read")]
    private static partial void LogFetcherFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shard {ShardId}: the checkpoint on stop or at shard end failed; the next reader replays from the previous one")]
    private static partial void LogFinalCheckpointFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: released its lease after the final checkpoint")]
    private static partial void LogReleased(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: releasing its lease failed; another silo takes it when it expires")]
    private static partial void LogReleaseFailed(ILogger logger, string shardId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {ShardId}: a partition missed events of it; reading again after {Position}")]
    private static partial void LogRewind(ILogger logger, string shardId, string position);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {ShardId}: {State} for event time (idle: no event for {IdleTimeout} and nothing waiting)")]
    private static partial void LogIdle(ILogger logger, string shardId, string state, TimeSpan idleTimeout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shard {ShardId}: read {Events} events, {DeadLettered} dead-lettered, into {Containers} containers")]
    private static partial void LogRead(ILogger logger, string shardId, int events, int deadLettered, int containers);
}
