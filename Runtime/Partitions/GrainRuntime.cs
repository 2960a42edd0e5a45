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

    /// <summary>All partitions in one store (their keys carry the partition number).</summary>
    public GrainRuntime(
        IKeyValueStore store,
        GrainTypeRegistry registry,
        GrainRuntimeOptions options,
        IDeadLetterQueue deadLetters,
        IServiceProvider services,
        ILoggerFactory loggerFactory)
        : this(_ => store, registry, options, deadLetters, services, loggerFactory)
    {
    }

    /// <summary>Each partition in the store <paramref name="storeOf"/> gives for it (one RocksDB per partition).</summary>
    public GrainRuntime(
        Func<int, IKeyValueStore> storeOf,
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
            _partitions[i] = new Partition(i, storeOf(i), services, deadLetters, options.MaxActivationsPerPartition, options.MaxDirtyGrainsPerPartition, logger);
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

    /// <summary>
    /// Writes every partition's pending changes; when this returns, every event applied before the call is in the
    /// stores (the barrier before a snapshot or a checkpoint).
    /// </summary>
    public async Task FlushAsync()
    {
        var pending = new List<Task>(_partitions.Length);
        foreach (var partition in _partitions)
        {
            var item = new FlushWorkItem();
            partition.Enqueue(item);
            pending.Add(item.Completion);
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var partition in _partitions)
        {
            await partition.DisposeAsync();
        }
    }
}
