using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

// Where Orleans' own providers put their registration methods, so one `using Orleans.Hosting;` finds them all.
namespace Orleans.Hosting;

/// <summary>Adds Delta sinks to a silo's services.</summary>
public static class DeltaSinkServiceCollectionExtensions
{
    /// <summary>A Delta sink named <paramref name="name"/>, its options set in code.</summary>
    public static IServiceCollection AddDeltaSink(this IServiceCollection services, string name, Action<DeltaSinkOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddDeltaSink(name, builder => builder.Configure(configure));
    }

    /// <summary>
    /// A Delta sink named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/>
    /// (e.g. <c>b =&gt; b.Bind(configuration.GetSection($"Sinks:{name}"))</c>); <see cref="DeltaSinkOptions.Name"/> is
    /// set to <paramref name="name"/>. Registers the sink as an <see cref="IRowSink"/> (also keyed by name), its
    /// <see cref="DeltaSinkRuntime"/> (keyed by name; the committer grain and maintenance use it) and the options'
    /// validator. Needs <see cref="IGrainFactory"/> (a silo has it) and logging.
    /// </summary>
    public static IServiceCollection AddDeltaSink(this IServiceCollection services, string name, Action<OptionsBuilder<DeltaSinkOptions>>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var builder = services.AddOptions<DeltaSinkOptions>(name);
        configure?.Invoke(builder);
        builder.PostConfigure(o => o.Name = name);
        services.AddTransient<IConfigurationValidator>(sp => new DeltaSinkOptionsValidator(sp.GetRequiredService<IOptionsMonitor<DeltaSinkOptions>>().Get(name)));
        services.AddKeyedSingleton(name, (sp, _) => new DeltaSinkRuntime(
            sp.GetRequiredService<IOptionsMonitor<DeltaSinkOptions>>().Get(name), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<TimeProvider>()));
        return services.AddRowSink(name, sp =>
        {
            var silo = sp.GetService<ISiloStatusOracle>();
            return new DeltaSink(
                sp.GetRequiredKeyedService<DeltaSinkRuntime>(name), sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<ILogger<DeltaSink>>(),
                terminating: silo is null ? null : () => silo.CurrentStatus.IsTerminating());
        });
    }
}
