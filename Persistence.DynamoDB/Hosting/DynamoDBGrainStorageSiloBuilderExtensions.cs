using KinesisGrains.Persistence.DynamoDB;
using Microsoft.Extensions.Options;

namespace Orleans.Hosting;

/// <summary>
/// <c>siloBuilder.AddDynamoDBGrainStorage("dynamodb", options => ...)</c>; grains then use
/// <c>[PersistentState("settings", "dynamodb")] IPersistentState&lt;T&gt;</c>.
/// </summary>
public static class DynamoDBGrainStorageSiloBuilderExtensions
{
    /// <summary>DynamoDB grain storage as the default storage (grains that name no provider).</summary>
    public static ISiloBuilder AddDynamoDBGrainStorageAsDefault(this ISiloBuilder builder, Action<DynamoDBGrainStorageOptions> configureOptions)
    {
        builder.Services.AddDynamoDBGrainStorageAsDefault(configureOptions);
        return builder;
    }

    /// <summary>DynamoDB grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddDynamoDBGrainStorage(this ISiloBuilder builder, string name, Action<DynamoDBGrainStorageOptions> configureOptions)
    {
        builder.Services.AddDynamoDBGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>DynamoDB grain storage as the default storage, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static ISiloBuilder AddDynamoDBGrainStorageAsDefault(
        this ISiloBuilder builder, Action<OptionsBuilder<DynamoDBGrainStorageOptions>>? configureOptions = null)
    {
        builder.Services.AddDynamoDBGrainStorageAsDefault(configureOptions);
        return builder;
    }

    /// <summary>DynamoDB grain storage named <paramref name="name"/>, its options built with an <see cref="OptionsBuilder{TOptions}"/>.</summary>
    public static ISiloBuilder AddDynamoDBGrainStorage(
        this ISiloBuilder builder, string name, Action<OptionsBuilder<DynamoDBGrainStorageOptions>>? configureOptions = null)
    {
        builder.Services.AddDynamoDBGrainStorage(name, configureOptions);
        return builder;
    }
}
