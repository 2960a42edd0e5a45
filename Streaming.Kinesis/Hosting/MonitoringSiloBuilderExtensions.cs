using KinesisGrains.Abstractions.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;

using KinesisGrains.Streaming.Kinesis.Monitoring;

namespace Orleans.Hosting;

/// <summary>Listeners, observed metrics and monitor options of the Kinesis stream provider, on the Orleans silo builder.</summary>
public static class MonitoringSiloBuilderExtensions
{
    private static readonly Func<IServiceProvider, object> s_monitorValidator = services =>
        new StreamingMonitorOptionsValidator(services.GetRequiredService<IOptions<StreamingMonitorOptions>>().Value);

    /// <summary>
    /// Registers <typeparamref name="TListener"/> (a singleton, resolvable as itself) to hear about the stream query:
    /// started, each progress record, idle cycles, terminated.
    /// </summary>
    public static ISiloBuilder AddStreamingQueryListener<TListener>(this ISiloBuilder builder)
        where TListener : class, IStreamingQueryListener
    {
        builder.Services.TryAddSingleton<TListener>();
        builder.Services.AddSingleton<IStreamingQueryListener>(services => services.GetRequiredService<TListener>());
        return builder;
    }

    /// <summary>Registers a listener made by <paramref name="create"/>.</summary>
    public static ISiloBuilder AddStreamingQueryListener(this ISiloBuilder builder, Func<IServiceProvider, IStreamingQueryListener> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        builder.Services.AddSingleton(create);
        return builder;
    }

    /// <summary>
    /// Names an aggregate over the events of each batch: <c>Observe&lt;ClickEvent&gt;("erc", o =&gt; o.CountWhere(e =&gt; e.IsError))</c>.
    /// Every progress record carries its value (<see cref="StreamingQueryProgress.ObservedMetrics"/>).
    /// </summary>
    public static ISiloBuilder Observe<TEvent>(this ISiloBuilder builder, string name, Func<ObservedAggregates<TEvent>, ObservedAggregate<TEvent>> define)
    {
        builder.Services.AddSingleton(new ObservedMetric<TEvent>(name, define));
        return builder;
    }

    /// <summary>Progress records kept, metrics level and dimensions; checked when the silo starts.</summary>
    public static ISiloBuilder ConfigureStreamingMonitor(this ISiloBuilder builder, Action<StreamingMonitorOptions> configure)
    {
        builder.Services.Configure(configure);

        // One validator, however often this is called: it checks what every configuration built together.
        if (!builder.Services.Any(s => !s.IsKeyedService && s.ImplementationFactory == s_monitorValidator))
        {
            builder.Services.AddTransient(typeof(IConfigurationValidator), s_monitorValidator);
        }

        return builder;
    }
}
