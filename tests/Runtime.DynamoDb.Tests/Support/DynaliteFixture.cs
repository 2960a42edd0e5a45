using Amazon.DynamoDBv2;
using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.Kinesis.Leasing;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests.Support;

/// <summary>One dynalite per test class, with a ready grain state table that tests share by using fresh grain keys.</summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    public const string SharedTable = "grain-state";

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("dynalite");

    public DynaliteFixture()
    {
        Client = DynamoDbClientFactory.Create(Connection());
        Storage = new DynamoDbGrainStorage(Options(SharedTable));
    }

    /// <summary>A raw client, to look at items as they are stored.</summary>
    public IAmazonDynamoDB Client { get; }

    /// <summary>A storage on <see cref="SharedTable"/>.</summary>
    public DynamoDbGrainStorage Storage { get; }

    public DynamoDbOptions Connection() =>
        new() { ServiceUrl = _environment.DynamoDb, AccessKeyId = "local", SecretAccessKey = "local" };

    public DynamoDbGrainStorageOptions Options(string tableName) => new() { TableName = tableName, Connection = Connection() };

    public async Task InitializeAsync() => await Storage.EnsureTableAsync();

    public Task DisposeAsync()
    {
        Storage.Dispose();
        Client.Dispose();
        _environment.Dispose();
        return Task.CompletedTask;
    }

    public static string NewKey() => Guid.NewGuid().ToString("N");

    public static string NewTableName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];
}
