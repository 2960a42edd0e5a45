using KinesisGrains.Clustering.DynamoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Configuration.Internal;
using Orleans.Messaging;
using Orleans.Runtime.MembershipService;

// Where Orleans' own providers put their registration methods, so one `using Orleans.Hosting;` finds them all.
namespace Orleans.Hosting;

/// <summary>
/// Cluster membership in DynamoDB, named as Orleans.Clustering.DynamoDB names it: silos use
/// <c>siloBuilder.UseDynamoDBClustering(o =&gt; ...)</c>, clients <c>clientBuilder.UseDynamoDBClustering(o =&gt; ...)</c>.
/// </summary>
public static class DynamoDBClusteringHostingExtensions
{
    /// <summary>The silo keeps its cluster's membership in DynamoDB (<see cref="DynamoDBMembershipTable"/>).</summary>
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<DynamoDBClusteringOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.UseDynamoDBClustering(options => options.Configure(configureOptions));
    }

    /// <summary>The same, its options built with an <see cref="OptionsBuilder{TOptions}"/> (binding, other services).</summary>
    public static ISiloBuilder UseDynamoDBClustering(this ISiloBuilder builder, Action<OptionsBuilder<DynamoDBClusteringOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        configureOptions?.Invoke(services.AddOptions<DynamoDBClusteringOptions>());
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDBSiloTableOptionsValidator(
            sp.GetRequiredService<IOptions<DynamoDBClusteringOptions>>().Value, "DynamoDB clustering (DynamoDBClusteringOptions)"));

        // Logged at start with AccessKey, SecretKey and Token redacted.
        services.ConfigureFormatter<DynamoDBClusteringOptions>();
        services.AddSingleton<DynamoDBMembershipTable>();
        services.AddFromExisting<IMembershipTable, DynamoDBMembershipTable>();
        return builder;
    }

    /// <summary>The client finds its cluster's gateways in DynamoDB (<see cref="DynamoDBGatewayListProvider"/>).</summary>
    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<DynamoDBGatewayOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return builder.UseDynamoDBClustering(options => options.Configure(configureOptions));
    }

    /// <summary>The same, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static IClientBuilder UseDynamoDBClustering(this IClientBuilder builder, Action<OptionsBuilder<DynamoDBGatewayOptions>>? configureOptions)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        configureOptions?.Invoke(services.AddOptions<DynamoDBGatewayOptions>());
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDBSiloTableOptionsValidator(
            sp.GetRequiredService<IOptions<DynamoDBGatewayOptions>>().Value, "DynamoDB gateway list (DynamoDBGatewayOptions)"));
        services.ConfigureFormatter<DynamoDBGatewayOptions>();
        services.AddSingleton<DynamoDBGatewayListProvider>();
        services.AddFromExisting<IGatewayListProvider, DynamoDBGatewayListProvider>();
        return builder;
    }
}
