using KinesisGrains.Persistence.DynamoDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

// Where Orleans' own providers put their registration methods, so one `using Orleans.Hosting;` finds them all.
namespace Orleans.Hosting;

/// <summary>Adds <see cref="DynamoDBGrainStorage"/> to a silo's services, as Orleans.Persistence.DynamoDB does.</summary>
public static class DynamoDBGrainStorageServiceCollectionExtensions
{
    /// <summary>DynamoDB grain storage as the default storage (grains that name no provider).</summary>
    public static IServiceCollection AddDynamoDBGrainStorageAsDefault(this IServiceCollection services, Action<DynamoDBGrainStorageOptions> configureOptions) =>
        services.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>DynamoDB grain storage named <paramref name="name"/>, for <c>[PersistentState("state", name)]</c>.</summary>
    public static IServiceCollection AddDynamoDBGrainStorage(this IServiceCollection services, string name, Action<DynamoDBGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddDynamoDBGrainStorage(name, builder => builder.Configure(configureOptions));
    }

    /// <summary>DynamoDB grain storage as the default storage, its options built with an <see cref="OptionsBuilder{TOptions}"/> (binding, other services).</summary>
    public static IServiceCollection AddDynamoDBGrainStorageAsDefault(
        this IServiceCollection services, Action<OptionsBuilder<DynamoDBGrainStorageOptions>>? configureOptions = null) =>
        services.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>DynamoDB grain storage named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static IServiceCollection AddDynamoDBGrainStorage(
        this IServiceCollection services, string name, Action<OptionsBuilder<DynamoDBGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);

        configureOptions?.Invoke(services.AddOptions<DynamoDBGrainStorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDBGrainStorageOptionsValidator(
            sp.GetRequiredService<IOptionsMonitor<DynamoDBGrainStorageOptions>>().Get(name), name));

        // Logged at start with AccessKey, SecretKey and Token redacted.
        services.ConfigureNamedOptionForLogging<DynamoDBGrainStorageOptions>(name);
        services.TryAddEnumerable(ServiceDescriptor.Transient<
            IPostConfigureOptions<DynamoDBGrainStorageOptions>,
            DefaultStorageProviderSerializerOptionsConfigurator<DynamoDBGrainStorageOptions>>());
        return services.AddGrainStorage(name, DynamoDBGrainStorage.Create);
    }
}
