using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Silo.Hosting;

/// <summary>Says which grains a silo hosts and which grain class consumes the stream.</summary>
public sealed class SiloBuilder
{
    private readonly List<Type> _grainClasses = [];

    internal IReadOnlyList<Type> GrainClasses => _grainClasses;

    internal Func<GrainRuntime, IDeadLetterQueue, IStreamBatchProcessor>? StreamPipelineFactory { get; private set; }

    internal HttpMessageHandler? KinesisHttpHandler { get; private set; }

    public SiloBuilder AddGrain<TGrain>()
        where TGrain : Grain
    {
        if (!_grainClasses.Contains(typeof(TGrain)))
        {
            _grainClasses.Add(typeof(TGrain));
        }

        return this;
    }

    /// <summary>
    /// Every record of the stream becomes a <typeparamref name="TEvent"/> for the <typeparamref name="TGrain"/> of its
    /// key; the handler decides both (default: JSON data, keyed by partition key).
    /// </summary>
    public SiloBuilder ConsumeStream<TEvent, TGrain>(IStreamMessageHandler<TEvent>? handler = null)
        where TGrain : Grain, IStreamConsumer<TEvent>
    {
        AddGrain<TGrain>();
        var messageHandler = handler ?? new JsonMessageHandler<TEvent>();
        StreamPipelineFactory = (runtime, deadLetters) => new StreamPipeline<TEvent, TGrain>(runtime, messageHandler, deadLetters);
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
