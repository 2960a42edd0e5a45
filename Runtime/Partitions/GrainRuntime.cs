using System.Text.Json;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Storage;
using KinesisGrains.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>
/// The silo's grains: routes stream events and grain calls to the partition that owns the key, where they run one
/// at a time.
/// </summary>
public sealed class GrainRuntime : IAsyncDisposable
{
    private readonly Partition[] _partitions;
    private readonly GrainTypeRegistry _registry;

    public GrainRuntime(
        IKeyValueStore store,
        GrainTypeRegistry registry,
        GrainRuntimeOptions options,
        IDeadLetterQueue deadLetters,
        IServiceProvider services,
        ILoggerFactory loggerFactory)
    {
        var errors = options.Validate().ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _registry = registry;
        Map = new PartitionMap(options.PartitionCount);
        var logger = loggerFactory.CreateLogger<GrainRuntime>();
        _partitions = new Partition[options.PartitionCount];
        for (var i = 0; i < _partitions.Length; i++)
        {
            _partitions[i] = new Partition(i, store, services, deadLetters, options.MaxActivationsPerPartition, logger);
        }
    }

    public PartitionMap Map { get; }

    public GrainTypeRegistry Registry => _registry;

    public int ActivationCount => _partitions.Sum(p => p.ActivationCount);

    /// <summary>
    /// Applies one shard's micro-batch: each partition applies its events and writes them with the shard's
    /// high-water mark. When this returns, every event is durable in the state store.
    /// </summary>
    public async Task<StreamBatchResult> ApplyAsync<TEvent>(Type grainClass, string shardId, IReadOnlyList<StreamEvent<TEvent>> events)
    {
        var grainType = _registry.Get(grainClass);
        var perPartition = new List<StreamEvent<TEvent>>?[_partitions.Length];
        foreach (var streamEvent in events)
        {
            var partition = Map.GetPartition(streamEvent.GrainKey);
            (perPartition[partition] ??= []).Add(streamEvent);
        }

        var pending = new List<Task<StreamBatchResult>>();
        for (var i = 0; i < perPartition.Length; i++)
        {
            if (perPartition[i] is { } slice)
            {
                var item = new StreamBatchWorkItem<TEvent>(grainType, shardId, slice);
                _partitions[i].Enqueue(item);
                pending.Add(item.Completion);
            }
        }

        var total = default(StreamBatchResult);
        foreach (var result in await Task.WhenAll(pending))
        {
            total += result;
        }

        return total;
    }

    /// <summary>Calls a grain method by interface name, key and method name with a JSON array of arguments.</summary>
    public Task<object?> InvokeAsync(string interfaceName, string grainKey, string methodName, JsonElement arguments)
    {
        var (grainType, grainInterface) = _registry.GetByInterface(interfaceName);
        var item = new GrainCallWorkItem(grainType, grainInterface, grainKey, methodName, arguments);
        _partitions[Map.GetPartition(grainKey)].Enqueue(item);
        return item.Completion;
    }

    /// <summary>The lowest high-water mark of <paramref name="shardId"/> over the partitions that have one.</summary>
    public IReadOnlyDictionary<int, StreamSequenceToken> GetHighWaterMarks(string shardId)
    {
        var marks = new Dictionary<int, StreamSequenceToken>();
        foreach (var partition in _partitions)
        {
            if (partition.GetHighWaterMark(shardId) is { } mark)
            {
                marks[partition.Id] = mark;
            }
        }

        return marks;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions)
        {
            await partition.DisposeAsync();
        }
    }
}
