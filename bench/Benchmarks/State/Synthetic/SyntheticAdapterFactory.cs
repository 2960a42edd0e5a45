using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// The benchmark's stream provider: <see cref="SyntheticFeed.QueueCount"/> queues, each a <see cref="SyntheticReceiver"/>,
/// behind the same Orleans queue cache the Kinesis provider uses, sized as it sizes it.
/// </summary>
internal sealed class SyntheticAdapterFactory : IQueueAdapterFactory, IQueueAdapter
{
    private readonly SyntheticFeed _feed;
    private readonly SimpleQueueAdapterCache _cache;
    private readonly HashRingBasedStreamQueueMapper _mapper;

    public SyntheticAdapterFactory(string name, SyntheticFeed feed, int cacheSize, ILoggerFactory loggers)
    {
        Name = name;
        _feed = feed;
        _cache = new SimpleQueueAdapterCache(new SimpleQueueCacheOptions { CacheSize = cacheSize }, name, loggers);
        _mapper = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = feed.QueueCount }, name);
    }

    /// <summary>KinesisStreamOptions' automatic cache size: four containers per partition, at least 64.</summary>
    public static int KinesisCacheSize(int partitionCount) => Math.Max(64, partitionCount * 4);

    public string Name { get; }

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => _cache;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new NoOpStreamDeliveryFailureHandler());

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new SyntheticReceiver(_feed, $"shardId-{queueId.GetNumericId():D12}");

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException("The synthetic provider makes its own records.");
}
