using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Sinks.Kinesis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;

// Where Orleans' own providers put their registration methods, so one `using Orleans.Hosting;` finds them all.
namespace Orleans.Hosting;

/// <summary>
/// Registers sinks (<c>Sinks:{name}</c>). Each is a singleton <see cref="IRowSink"/> keyed by its name and also in
/// <c>IEnumerable&lt;IRowSink&gt;</c>, so a partition takes <c>sinks.Where(s =&gt; s.StateName == stateName)</c>; its
/// options are named options (<c>IOptionsMonitor&lt;T&gt;.Get(name)</c>, bindable with
/// <c>BindConfiguration("Sinks:" + name)</c>) checked at silo start by their <see cref="IConfigurationValidator"/>.
/// </summary>
public static class RowSinkServiceCollectionExtensions
{
    /// <summary>A <see cref="DynamoDBSink"/> named <paramref name="name"/>.</summary>
    public static IServiceCollection AddDynamoDBSink(this IServiceCollection services, string name, Action<DynamoDBSinkOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddDynamoDBSink(name, builder => builder.Configure(configureOptions));
    }

    /// <summary>A <see cref="DynamoDBSink"/> named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/> (binding, other services).</summary>
    public static IServiceCollection AddDynamoDBSink(
        this IServiceCollection services, string name, Action<OptionsBuilder<DynamoDBSinkOptions>>? configureOptions = null)
    {
        AddSinkOptions(services, name, configureOptions, options => new DynamoDBSinkOptionsValidator(options));
        return services.AddRowSink(name, sp => new DynamoDBSink(
            sp.GetRequiredService<IOptionsMonitor<DynamoDBSinkOptions>>().Get(name), sp.GetRequiredService<ILogger<DynamoDBSink>>()));
    }

    /// <summary>A <see cref="KinesisSink"/> named <paramref name="name"/>.</summary>
    public static IServiceCollection AddKinesisSink(this IServiceCollection services, string name, Action<KinesisSinkOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddKinesisSink(name, builder => builder.Configure(configureOptions));
    }

    /// <summary>A <see cref="KinesisSink"/> named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static IServiceCollection AddKinesisSink(
        this IServiceCollection services, string name, Action<OptionsBuilder<KinesisSinkOptions>>? configureOptions = null)
    {
        AddSinkOptions(services, name, configureOptions, options => new KinesisSinkOptionsValidator(options));
        return services.AddRowSink(name, sp => new KinesisSink(
            sp.GetRequiredService<IOptionsMonitor<KinesisSinkOptions>>().Get(name),
            sp.GetRequiredService<ILogger<KinesisSink>>(),
            sp.GetRequiredService<ILogger<KinesisClient>>()));
    }

    /// <summary>
    /// Any sink named <paramref name="name"/>: a singleton keyed by the name and in <c>IEnumerable&lt;IRowSink&gt;</c>.
    /// The container disposes it at shutdown.
    /// </summary>
    /// <exception cref="InvalidOperationException">A sink of that name is registered already.</exception>
    public static IServiceCollection AddRowSink(this IServiceCollection services, string name, Func<IServiceProvider, IRowSink> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(create);
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(IRowSink) && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException($"A sink named '{name}' is registered already; sink names (Sinks:{{name}}) are unique.");
        }

        services.AddKeyedSingleton<IRowSink>(name, (sp, _) => create(sp));
        services.AddSingleton<IRowSink>(sp => sp.GetRequiredKeyedService<IRowSink>(name));
        return services;
    }

    private static void AddSinkOptions<TOptions>(
        IServiceCollection services, string name, Action<OptionsBuilder<TOptions>>? configureOptions, Func<TOptions, IConfigurationValidator> validator)
        where TOptions : KinesisGrains.Sinks.AwsRowSinkOptions
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var builder = services.AddOptions<TOptions>(name);
        configureOptions?.Invoke(builder);

        // The registration's name is the sink's name, whatever a bound section says.
        builder.PostConfigure(options => options.Name = name);
        services.AddTransient(sp => validator(sp.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name)));

        // Logged at start with the keys redacted.
        services.ConfigureNamedOptionForLogging<TOptions>(name);
    }
}
