using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests.Support;

/// <summary>
/// One dynalite per test class, with a ready grain state table that tests share by using fresh grain ids, and storages
/// built as a silo builds them, minus the silo.
/// </summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    public const string SharedTable = "grain-state";
    public const string StorageName = "dynamodb";
    public const string ServiceId = "tests";

    private static readonly Lazy<IActivatorProvider> s_activators = new(() =>
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<IActivatorProvider>());

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("dynalite");
    private readonly List<IDisposable> _owned = [];

    public DynaliteFixture()
    {
        Client = new AmazonDynamoDBClient(
            new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = Endpoint });
        Storage = NewStorage(Options(SharedTable));
    }

    /// <summary>Orleans' System.Text.Json grain storage serializer, as a silo configured with it would hand the storage.</summary>
    public static IGrainStorageSerializer Serializer { get; } =
        new SystemTextJsonGrainStorageSerializer(Microsoft.Extensions.Options.Options.Create(new SystemTextJsonGrainStorageSerializerOptions()));

    public static IActivatorProvider Activators => s_activators.Value;

    public string Endpoint => _environment.DynamoDB.ToString();

    /// <summary>A raw client, to look at items as they are stored.</summary>
    public IAmazonDynamoDB Client { get; }

    /// <summary>A storage on <see cref="SharedTable"/>, table ready, deleting state on clear off (the default).</summary>
    internal DynamoDBGrainStorage Storage { get; }

    public DynamoDBGrainStorageOptions Options(string tableName) => new()
    {
        Service = Endpoint,
        AccessKey = "local",
        SecretKey = "local",
        TableName = tableName,
        ServiceId = ServiceId,
        UseProvisionedThroughput = false,
        GrainStorageSerializer = Serializer,
    };

    /// <summary>A storage disposed with the fixture; its table is not checked until <see cref="DynamoDBGrainStorage.InitAsync"/>.</summary>
    internal DynamoDBGrainStorage NewStorage(DynamoDBGrainStorageOptions options, ILoggerProvider? logs = null)
    {
        var logger = logs is null
            ? NullLogger<DynamoDBGrainStorage>.Instance
            : new LoggerFactory([logs]).CreateLogger<DynamoDBGrainStorage>();
        var storage = new DynamoDBGrainStorage(StorageName, options, Activators, logger);
        lock (_owned)
        {
            _owned.Add(storage);
        }

        return storage;
    }

    /// <summary>A new storage on <see cref="SharedTable"/> with changed options; the table is ready.</summary>
    internal DynamoDBGrainStorage NewStorage(Action<DynamoDBGrainStorageOptions> configure)
    {
        var options = Options(SharedTable);
        configure(options);
        return NewStorage(options);
    }

    /// <summary>The item of a state as stored; null when there is none.</summary>
    public async Task<Dictionary<string, AttributeValue>?> ItemAsync(GrainId grainId, string stateName, string table = SharedTable, string serviceId = ServiceId)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = table,
            Key = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{serviceId}_{grainId}" },
                ["GrainType"] = new AttributeValue { S = stateName },
            },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    public async Task InitializeAsync() => await Storage.InitAsync(CancellationToken.None);

    public Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        Client.Dispose();
        _environment.Dispose();
        return Task.CompletedTask;
    }

    public static GrainId NewGrainId(string grainType = "alerts") => GrainId.Create(grainType, Guid.NewGuid().ToString("N"));

    public static string NewTableName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    public static AlertSettingsState NewState() => new();
}
