using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.TestingHost;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests.Support;

/// <summary>
/// dynalite and a two-silo in-process cluster whose grains keep state in DynamoDB grain storage named
/// <see cref="StorageName"/>, added as an application would add it. Silo logs of every level are captured.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string StorageName = "dynamodb";
    public const string Table = "cluster-grain-state";
    public const string ServiceId = "cluster-tests";

    // Credentials that must never reach a log; dynalite accepts any.
    public const string AccessKey = "AKIACLUSTERACCESSKEY7";
    public const string SecretKey = "cluster-secret-key-do-not-log-0123456789";
    public const string Token = "cluster-session-token-do-not-log-9876543210";

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("dynalite");

    public ClusterFixture()
    {
        Client = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = Endpoint });
    }

    public string Endpoint => _environment.DynamoDB.ToString();

    public IAmazonDynamoDB Client { get; }

    public CapturedLogs Logs { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>A cluster of <paramref name="silos"/> silos on <paramref name="endpoint"/>, not deployed yet.</summary>
    public static InProcessTestCluster Build(short silos, string endpoint, Action<DynamoDBGrainStorageOptions>? configure = null, CapturedLogs? logs = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, siloBuilder) =>
        {
            siloBuilder.AddDynamoDBGrainStorage(StorageName, options =>
            {
                options.Service = endpoint;
                options.AccessKey = AccessKey;
                options.SecretKey = SecretKey;
                options.Token = Token;
                options.TableName = Table;
                options.ServiceId = ServiceId;
                options.UseProvisionedThroughput = false;
                configure?.Invoke(options);
            });
            if (logs is not null)
            {
                siloBuilder.Services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
            }
        });
        return builder.Build();
    }

    /// <summary>The item of a state as stored; null when there is none.</summary>
    public async Task<Dictionary<string, AttributeValue>?> ItemAsync(GrainId grainId, string stateName)
    {
        var response = await Client.GetItemAsync(new GetItemRequest
        {
            TableName = Table,
            Key = new()
            {
                ["GrainReference"] = new AttributeValue { S = $"{ServiceId}_{grainId}" },
                ["GrainType"] = new AttributeValue { S = stateName },
            },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    public async Task InitializeAsync()
    {
        Cluster = Build(2, Endpoint, logs: Logs);
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Client.Dispose();
        _environment.Dispose();
    }
}
