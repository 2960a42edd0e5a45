using KinesisGrains.DynamoDb.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

// Where Orleans' own providers put their registration methods, so one `using Orleans.Hosting;` finds them all.
namespace Orleans.Hosting;

/// <summary>Adds <see cref="DynamoDbGrainStorage"/> to a silo's services, as Orleans.Persistence.DynamoDB does.</summary>
public static class DynamoDbGrainStorageServiceCollectionExtensions
{
    /// <summary>DynamoDB grain storage as the default storage (grains that name no provider).</summary>
    public static IServiceCollection AddDynamoDBGrainStorageAsDefault(this IServiceCollection services, Action<DynamoDbGrainStorageOptions> configureOptions) =>
        services.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>DynamoDB grain storage named <paramref name="name"/>, for <c>[PersistentState("state", name)]</c>.</summary>
    public static IServiceCollection AddDynamoDBGrainStorage(this IServiceCollection services, string name, Action<DynamoDbGrainStorageOptions> configureOptions)
    {
        ArgumentNullException.ThrowIfNull(configureOptions);
        return services.AddDynamoDBGrainStorage(name, builder => builder.Configure(configureOptions));
    }

    /// <summary>DynamoDB grain storage as the default storage, its options built with an <see cref="OptionsBuilder{TOptions}"/> (binding, other services).</summary>
    public static IServiceCollection AddDynamoDBGrainStorageAsDefault(
        this IServiceCollection services, Action<OptionsBuilder<DynamoDbGrainStorageOptions>>? configureOptions = null) =>
        services.AddDynamoDBGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configureOptions);

    /// <summary>DynamoDB grain storage named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static IServiceCollection AddDynamoDBGrainStorage(
        this IServiceCollection services, string name, Action<OptionsBuilder<DynamoDbGrainStorageOptions>>? configureOptions = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);

        configureOptions?.Invoke(services.AddOptions<DynamoDbGrainStorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp => new DynamoDbGrainStorageOptionsValidator(
            sp.GetRequiredService<IOptionsMonitor<DynamoDbGrainStorageOptions>>().Get(name), name));

        // Logged at start with AccessKey, SecretKey and Token redacted.
        services.ConfigureNamedOptionForLogging<DynamoDbGrainStorageOptions>(name);
        services.TryAddEnumerable(ServiceDescriptor.Transient<
            IPostConfigureOptions<DynamoDbGrainStorageOptions>,
            DefaultStorageProviderSerializerOptionsConfigurator<DynamoDbGrainStorageOptions>>());
        return services.AddGrainStorage(name, DynamoDbGrainStorage.Create);
    }
}
