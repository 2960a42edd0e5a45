using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Diagnostics;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>
/// One slice of the grain key space with its activations and its state. Work runs on one logical thread (a loop
/// over a queue), so grains need no locks and a micro-batch is applied and written as one unit.
/// </summary>
/// <remarks>
/// Exactly-once state: each micro-batch is written in one atomic batch together with the high-water mark of the
/// source shard, and an event at or below that mark (a redelivery after a restart) is skipped.
/// </remarks>
internal sealed partial class Partition : IAsyncDisposable
{
    private readonly IKeyValueStore _store;
    private readonly IServiceProvider _services;
    private readonly IDeadLetterQueue _deadLetters;
    private readonly ILogger _logger;
    private readonly int _maxActivations;
    private readonly Channel<PartitionWorkItem> _queue = Channel.CreateUnbounded<PartitionWorkItem>(new() { SingleReader = true });
    private readonly ActivationTable _activations = new();
    // The marks as stored; _appliedMarks run ahead of them by what is still dirty in memory.
    private readonly Dictionary<string, StreamSequenceToken> _highWaterMarks = new(StringComparer.Ordinal);
    private readonly HashSet<Grain> _dirty = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _dirtyMarks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StreamSequenceToken> _appliedMarks = new(StringComparer.Ordinal);
    private readonly int _maxDirty;
    private readonly ArrayBufferWriter<byte> _stateBuffer = new(256);
    private readonly Utf8JsonWriter _stateWriter = new(Stream.Null);
    private readonly Task _loop;

    public Partition(int id, IKeyValueStore store, IServiceProvider services, IDeadLetterQueue deadLetters, int maxActivations, int maxDirty, ILogger logger)
    {
        _maxDirty = maxDirty;
        Id = id;
        _store = store;
        _services = services;
        _deadLetters = deadLetters;
        _maxActivations = maxActivations;
        _logger = logger;
        LoadHighWaterMarks();
        foreach (var (shardId, mark) in _highWaterMarks)
        {
            _appliedMarks[shardId] = mark;
        }

        _loop = Task.Run(RunAsync);
    }

    public int Id { get; }

    public int ActivationCount => _activations.Count;

    public void Enqueue(PartitionWorkItem item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            item.Fail(new ObjectDisposedException($"partition {Id}"));
        }
    }

    public StreamBatchResult ApplyStreamBatch<TEvent>(GrainType grainType, string shardId, List<StreamEvent<TEvent>> events)
    {
        var hasMark = _appliedMarks.TryGetValue(shardId, out var mark);
        var newMark = mark;
        var activations = _activations.Of(grainType);
        int applied = 0, skipped = 0, failed = 0;
        foreach (var streamEvent in events)
        {
            var info = streamEvent.Info;
            if (hasMark && info.Token <= mark)
            {
                skipped++;
                continue;
            }

            newMark = info.Token;
            var grain = GetOrActivate(activations, grainType, streamEvent.GrainKey);
            try
            {
                ((IStreamConsumer<TEvent>)grain).OnNext(streamEvent.Item, info);
                applied++;
            }
            catch (Exception exception)
            {
                failed++;
                _deadLetters.Add(streamEvent.Source, $"grain {grainType.Name}/{streamEvent.GrainKey} threw {exception.GetType().Name}: {exception.Message}");
            }

            if (!grain.IsDirty)
            {
                grain.IsDirty = true;
                _dirty.Add(grain);
            }
        }

        if (applied + failed > 0)
        {
            _appliedMarks[shardId] = newMark;
            _dirtyMarks.Add(shardId);
            if (_dirty.Count >= _maxDirty)
            {
                WriteDirtyState();
            }
        }

        RuntimeMetrics.EventsApplied.Add(applied);
        RuntimeMetrics.DuplicatesSkipped.Add(skipped);
        return new StreamBatchResult(applied, skipped, failed);
    }

    public async Task<object?> InvokeAsync(GrainType grainType, Type grainInterface, string grainKey, string methodName, JsonElement arguments)
    {
        var method = grainType.GetMethod(grainInterface, methodName);
        var values = method.BindArguments(arguments);
        var grain = GetOrActivate(_activations.Of(grainType), grainType, grainKey);
        var result = await method.InvokeAsync(grain, values);
        if (grain.IsDirty)
        {
            // A call's change is durable when the call returns (with whatever stream state is pending).
            _dirty.Add(grain);
            WriteDirtyState();
        }

        return result;
    }

    /// <summary>Writes every pending change: the state of dirty grains and the marks of the shards they came from.</summary>
    public void Flush()
    {
        if (_dirty.Count > 0 || _dirtyMarks.Count > 0)
        {
            WriteDirtyState();
        }
    }

    private Grain GetOrActivate(Dictionary<string, Grain> activations, GrainType grainType, string key)
    {
        if (activations.TryGetValue(key, out var grain))
        {
            return grain;
        }

        grain = grainType.Create(_services);
        grain.Initialize(grainType, key);
        grain.StateKey = StateKeys.GrainState(Id, grainType.Name, key);
        grain.LoadState(_store.Get(grain.StateKey));
        grain.OnActivate();
        activations.Add(key, grain);
        RuntimeMetrics.GrainActivations.Add(1);
        return grain;
    }

    /// <summary>
    /// One atomic write of all dirty state with the high-water marks it reaches: the state in the store is always
    /// exactly the events up to the marks stored beside it.
    /// </summary>
    private void WriteDirtyState()
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var batch = _store.CreateBatch();
            foreach (var grain in _dirty)
            {
                _stateBuffer.ResetWrittenCount();
                _stateWriter.Reset(_stateBuffer);
                grain.WriteState(_stateWriter);
                _stateWriter.Flush();
                batch.Put(grain.StateKey, _stateBuffer.WrittenSpan);
            }

            foreach (var shardId in _dirtyMarks)
            {
                batch.Put(StateKeys.HighWaterMark(Id, shardId), Encoding.UTF8.GetBytes(_appliedMarks[shardId].ToString()));
            }

            _store.Write(batch);
        }
        catch
        {
            // Memory is ahead of the store now: forget what was not written so it is reloaded and replayed.
            foreach (var grain in _dirty)
            {
                _activations.Remove(grain);
            }

            _dirty.Clear();
            _dirtyMarks.Clear();
            _appliedMarks.Clear();
            foreach (var (shardId, mark) in _highWaterMarks)
            {
                _appliedMarks[shardId] = mark;
            }

            throw;
        }

        foreach (var grain in _dirty)
        {
            grain.IsDirty = false;
        }

        foreach (var shardId in _dirtyMarks)
        {
            _highWaterMarks[shardId] = _appliedMarks[shardId];
        }

        _dirty.Clear();
        _dirtyMarks.Clear();
        RuntimeMetrics.StateWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        EvictIfOverCapacity();
    }

    private void EvictIfOverCapacity()
    {
        // Every activation is clean here (just written), so any can go; keep the cache at 3/4 to evict in bulk.
        if (_activations.Count > _maxActivations)
        {
            _activations.TrimTo(_maxActivations * 3 / 4);
        }
    }

    private void LoadHighWaterMarks()
    {
        var (lower, upper) = StateKeys.HighWaterMarkRange(Id);
        _store.Scan(lower, upper, (key, value) =>
        {
            var text = Encoding.UTF8.GetString(value);
            var slash = text.LastIndexOf('/');
            _highWaterMarks[StateKeys.ShardIdOfHighWaterMark(key)] =
                new StreamSequenceToken(text[..slash], long.Parse(text[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return true;
        });
    }

    private async Task RunAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync())
        {
            try
            {
                await item.ExecuteAsync(this);
            }
            catch (Exception exception)
            {
                LogWorkItemFailed(_logger, Id, exception);
                item.Fail(exception);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        Flush();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Work item failed on partition {Partition}")]
    private static partial void LogWorkItemFailed(ILogger logger, int partition, Exception exception);
}
