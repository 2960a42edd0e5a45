using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Monitoring;
using KinesisGrains.Abstractions.Partitions;
using KinesisGrains.Abstractions.Placement;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Abstractions.Views;
using KinesisGrains.DynamoDB;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Monitoring;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans;

using KinesisGrains.Streaming.Kinesis;

namespace Orleans.Hosting;

/// <summary>Registers the Kinesis stream provider on a silo, as Orleans registers its own providers.</summary>
public static partial class KinesisStreamingExtensions
{
    /// <summary>
    /// How often the pulling agent asks a receiver with nothing in hand: the small queue cache fills quickly and the
    /// agent reads again only at its next tick, so ticks are short (an empty read costs a dequeue attempt).
    /// </summary>
    public static readonly TimeSpan PullingAgentPeriod = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Reads a Kinesis stream as Orleans stream provider <paramref name="name"/>: each record becomes a
    /// <typeparamref name="TEvent"/> (by <paramref name="handler"/>; default: JSON keyed by the partition key) on the
    /// partition stream of its key in <see cref="KinesisStreamOptions.StreamNamespace"/>, and on the partition stream
    /// of its key in each keyed view (<see cref="AddKeyedView{TEvent}"/>). Partition grains subscribe implicitly to
    /// their view's namespace.
    /// </summary>
    /// <param name="eventTime">
    /// Takes each event's event time from the event (a field the producer set); the events' watermarks and windows then
    /// follow it instead of Kinesis' arrival time. Giving one makes <see cref="EventTimeOptions.Source"/> Event unless
    /// <paramref name="configure"/> says otherwise. An extractor that throws dead-letters the record.
    /// </param>
    public static ISiloBuilder AddKinesisStreams<TEvent>(
        this ISiloBuilder builder,
        string name,
        Action<KinesisStreamOptions> configure,
        IStreamMessageHandler<TEvent>? handler = null,
        Func<TEvent, DateTimeOffset>? eventTime = null)
    {
        builder.Services.AddOptions<KinesisStreamOptions>(name)
            .Configure(o => o.EventTime.Source = eventTime is null ? EventTimeSource.Arrival : EventTimeSource.Event)
            .Configure(configure);
        builder.Services.AddTransient<IConfigurationValidator>(services => new KinesisStreamOptionsValidator(
            services.GetRequiredService<IOptionsMonitor<KinesisStreamOptions>>().Get(name),
            name,
            eventTime is not null,
            typeof(TEvent),
            services.GetService<ICheckpointGateFactory>()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(name, (services, _) =>
        {
            // Checked by KinesisStreamOptionsValidator before the silo starts.
            var options = services.GetRequiredService<IOptionsMonitor<KinesisStreamOptions>>().Get(name);

            var loggers = services.GetRequiredService<ILoggerFactory>();
            var kinesis = options.HttpHandler is { } httpHandler
                ? new KinesisClient(options.Client, httpHandler, loggers.CreateLogger<KinesisClient>())
                : new KinesisClient(options.Client, loggers.CreateLogger<KinesisClient>());
            var leases = new ShardLeaseTable(DynamoDBClientFactory.Create(options.DynamoDB), options.ApplicationName);
            // One lanes object for the context, its receivers and its barrier: a live rescale resizes it.
            var lanes = options.Lanes;
            var views = options.Views.Cast<KeyedView<TEvent>>().ToList();
            var messageHandler = handler ?? new JsonMessageHandler<TEvent>();
            var observed = services.GetServices<ObservedMetric<TEvent>>().ToList();
            if (observed.GroupBy(m => m.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            {
                throw new OptionsValidationException(name, typeof(ObservedMetric<TEvent>), [$"Observed metric '{duplicate.Key}' is defined more than once."]);
            }

            var extractor = options.EventTime.Source == EventTimeSource.Event ? eventTime : null;
            LogEventTime(
                loggers.CreateLogger(typeof(KinesisStreamingExtensions).FullName!),
                name,
                extractor is null ? "the records' arrival times" : "the events' own times",
                options.EventTime.OutOfOrderness,
                options.EventTime.IdleTimeout);
            return new KinesisStreamContext(
                name,
                options,
                kinesis,
                leases,
                lanes,
                () => new RecordDecoder<TEvent>(messageHandler, new PartitionMap(lanes.PartitionCount), observed, extractor, views),
                context => services.GetService<ICheckpointGateFactory>()?.Create(name, lanes, context.Monitor.StateReported)
                    ?? StatelessCheckpointGate.Instance,
                services.GetRequiredService<TimeProvider>(),
                loggers,
                services.GetService<IOptions<StreamingMonitorOptions>>()?.Value,
                services.GetServices<IStreamingQueryListener>(),
                observed.Select(m => m.Info));
        });

        // Where partition grains belong (their [ShardAffinityPlacement] director asks; the first provider's map).
        builder.Services.TryAddSingleton<IPartitionPlacement>(services => services.GetRequiredKeyedService<KinesisStreamContext>(name).Placement);

        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services =>
            new KinesisStreamStopping(services.GetRequiredKeyedService<KinesisStreamContext>(name)));
        builder.AddPersistentStreams(name, KinesisAdapterFactory.Create, stream =>
        {
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            stream.ConfigurePartitionBalancing((services, providerName) =>
                new KinesisQueueBalancer(services, services.GetRequiredKeyedService<KinesisStreamContext>(providerName)));
            stream.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                // One container per delivery call already carries a partition's share of a whole read.
                o.BatchContainerBatchSize = 1;
                o.GetQueueMsgsTimerPeriod = PullingAgentPeriod;
            }));
        });
        return builder;
    }

    /// <summary>
    /// Another aggregation of provider <paramref name="providerName"/>'s events: each event also goes, keyed by
    /// <paramref name="keyOf"/>, to the partition grains subscribed to stream namespace <paramref name="name"/>, from
    /// the same read of Kinesis. <see cref="KeyedViewRouting.Spread"/> pre-aggregates a hot key in every partition (a
    /// query merges the parts); see <see cref="KeyedViewRouting"/>.
    /// </summary>
    public static ISiloBuilder AddKeyedView<TEvent>(
        this ISiloBuilder builder, string providerName, string name, Func<TEvent, string> keyOf, KeyedViewRouting routing = KeyedViewRouting.ByKey)
    {
        var view = new KeyedView<TEvent>(name, keyOf, routing);
        builder.Services.AddOptions<KinesisStreamOptions>(providerName).Configure(o => o.Views.Add(view));
        return builder;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream provider {Name}: event time is {Source}, watermarks trail it by {OutOfOrderness}, a shard without events for {IdleTimeout} is idle (0: never)")]
    private static partial void LogEventTime(ILogger logger, string name, string source, TimeSpan outOfOrderness, TimeSpan idleTimeout);
}
