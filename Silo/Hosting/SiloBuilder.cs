using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Streaming.Kinesis;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Views;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Hosting;

/// <summary>Says which keyed-state partition grain consumes the stream, with which message handler, and what else the Orleans silo hosts.</summary>
public sealed class SiloBuilder
{
    private readonly List<Action<ISiloBuilder>> _orleans = [];

    internal Action<ISiloBuilder, Action<KinesisStreamOptions>>? AddStream { get; private set; }

    internal string? StreamNamespace { get; private set; }

    internal HttpMessageHandler? KinesisHttpHandler { get; private set; }

    /// <summary>An event-time extractor was given (<c>Kinesis:EventTime:Source=Event</c> needs one).</summary>
    internal bool HasEventTimeExtractor { get; private set; }

    internal IReadOnlyList<Action<ISiloBuilder>> OrleansConfiguration => _orleans;

    /// <summary>The silo's configuration (appsettings, environment, command line), for settings of the application's own.</summary>
    public IConfiguration Configuration { get; internal set; } = new ConfigurationBuilder().Build();

    /// <summary>
    /// Every record of the stream becomes a <typeparamref name="TEvent"/> (by <paramref name="handler"/>; default:
    /// JSON keyed by the partition key) for the <typeparamref name="TPartitionGrain"/> that holds its key. The grain
    /// subscribes implicitly to <paramref name="streamNamespace"/>.
    /// </summary>
    /// <param name="eventTime">
    /// Takes an event's event time from the event (<c>e =&gt; e.Timestamp</c>), used when <c>Kinesis:EventTime:Source</c>
    /// is Event; the records' arrival times otherwise.
    /// </param>
    public SiloBuilder ConsumeStream<TEvent, TPartitionGrain>(
        string streamNamespace, IStreamMessageHandler<TEvent>? handler = null, Func<TEvent, DateTimeOffset>? eventTime = null)
        where TPartitionGrain : IPartitionCheckpoint
    {
        StreamNamespace = streamNamespace;
        HasEventTimeExtractor = eventTime is not null;
        AddStream = (silo, configure) =>
        {
            silo.AddKinesisStreams(SiloHost.StreamProviderName, configure, handler, eventTime);
            silo.AddKeyedStatePartition<TPartitionGrain>();
        };
        return this;
    }

    /// <summary>
    /// Another aggregation of the stream's events under a key of its own (the page, the country, one global key):
    /// <typeparamref name="TPartitionGrain"/>, subscribed implicitly to stream namespace <paramref name="name"/>, holds
    /// each event under <paramref name="keyOf"/>(event), from the same read of Kinesis. With
    /// <see cref="KeyedViewRouting.Spread"/> a key's state is pre-aggregated in every partition (for hot keys; a query
    /// merges the parts with <c>GetMergedAsync</c>). <typeparamref name="TEvent"/> is the stream's event type.
    /// </summary>
    public SiloBuilder AddKeyedView<TEvent, TPartitionGrain>(string name, Func<TEvent, string> keyOf, KeyedViewRouting routing = KeyedViewRouting.ByKey)
        where TPartitionGrain : IPartitionCheckpoint
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        _orleans.Add(silo => silo.AddKeyedView(SiloHost.StreamProviderName, name, keyOf, routing).AddKeyedStatePartition<TPartitionGrain>());
        return this;
    }

    /// <summary>Another keyed-state partition grain on the same partition streams (another aggregation of the same events).</summary>
    public SiloBuilder AddPartitionGrain<TPartitionGrain>()
        where TPartitionGrain : IPartitionCheckpoint
    {
        _orleans.Add(silo => silo.AddKeyedStatePartition<TPartitionGrain>());
        return this;
    }

    /// <summary>A listener of the stream query: started, a progress record per commit cycle, idle, terminated.</summary>
    public SiloBuilder AddStreamingQueryListener<TListener>()
        where TListener : class, IStreamingQueryListener => ConfigureOrleans(silo => silo.AddStreamingQueryListener<TListener>());

    /// <summary>A listener made by <paramref name="create"/>.</summary>
    public SiloBuilder AddStreamingQueryListener(Func<IServiceProvider, IStreamingQueryListener> create) =>
        ConfigureOrleans(silo => silo.AddStreamingQueryListener(create));

    /// <summary>A named aggregate over each batch's events, in every progress record: <c>Observe&lt;ClickEvent&gt;("rc", o =&gt; o.Count())</c>.</summary>
    public SiloBuilder Observe<TEvent>(string name, Func<ObservedAggregates<TEvent>, ObservedAggregate<TEvent>> define)
    {
        var metric = new ObservedMetric<TEvent>(name, define);
        return ConfigureOrleans(silo => silo.Services.AddSingleton(metric));
    }

    /// <summary>More Orleans configuration: grain storage, other providers, options.</summary>
    public SiloBuilder ConfigureOrleans(Action<ISiloBuilder> configure)
    {
        _orleans.Add(configure);
        return this;
    }

    /// <summary>
    /// Sends the silo's Kinesis calls through <paramref name="handler"/>: an outbound proxy, custom TLS, your own
    /// instrumentation. The silo does not dispose it.
    /// </summary>
    public SiloBuilder UseKinesisHttpHandler(HttpMessageHandler handler)
    {
        KinesisHttpHandler = handler ?? throw new ArgumentNullException(nameof(handler));
        return this;
    }
}
