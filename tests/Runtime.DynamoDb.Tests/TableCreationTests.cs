using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.DynamoDb.Tests.Support;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests;

public sealed class TableCreationTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    [Fact]
    public async Task Racing_storages_create_one_table_with_the_Orleans_key_schema()
    {
        var table = DynaliteFixture.NewTableName("race");
        var storages = Enumerable.Range(0, 4).Select(_ => new DynamoDbGrainStorage(fixture.Options(table))).ToArray();
        try
        {
            await Task.WhenAll(storages.Select(s => s.EnsureTableAsync()));

            var description = (await fixture.Client.DescribeTableAsync(table)).Table;
            Assert.Equal(TableStatus.ACTIVE, description.TableStatus);
            Assert.Equal(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
            Assert.Equal(
                ["GrainReference HASH", "GrainType RANGE"],
                description.KeySchema.Select(k => $"{k.AttributeName} {k.KeyType}"));
            Assert.All(description.AttributeDefinitions, a => Assert.Equal(ScalarAttributeType.S, a.AttributeType));
            Assert.Single((await fixture.Client.ListTablesAsync()).TableNames, name => name == table);

            // Usable from every storage: one writes, another reads.
            var writer = storages[0].GetState<AlertSettings>("alerts", "a");
            writer.State.Name = "raced";
            await writer.WriteStateAsync();
            var reader = storages[3].GetState<AlertSettings>("alerts", "a");
            await reader.ReadStateAsync();
            Assert.Equal("raced", reader.State.Name);
        }
        finally
        {
            foreach (var storage in storages)
            {
                storage.Dispose();
            }
        }
    }

    [Fact]
    public async Task Ensuring_an_existing_table_again_keeps_its_items()
    {
        var table = DynaliteFixture.NewTableName("again");
        using var storage = new DynamoDbGrainStorage(fixture.Options(table));
        await storage.EnsureTableAsync();
        var state = storage.GetState<AlertSettings>("alerts", "a");
        state.State.Name = "kept";
        await state.WriteStateAsync();

        await storage.EnsureTableAsync();
        using var restarted = new DynamoDbGrainStorage(fixture.Options(table));
        await restarted.EnsureTableAsync();

        var reader = restarted.GetState<AlertSettings>("alerts", "a");
        await reader.ReadStateAsync();
        Assert.Equal("kept", reader.State.Name);
        Assert.Equal(state.Etag, reader.Etag);
    }

    [Fact]
    public async Task A_missing_table_is_an_error_when_creation_is_off()
    {
        var table = DynaliteFixture.NewTableName("missing");
        var options = fixture.Options(table);
        options.CreateTableIfNotExists = false;
        using var storage = new DynamoDbGrainStorage(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.EnsureTableAsync());

        Assert.Contains(table, error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateTableIfNotExists", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(table, (await fixture.Client.ListTablesAsync()).TableNames);
    }

    [Fact]
    public async Task An_existing_table_is_used_when_creation_is_off()
    {
        var table = DynaliteFixture.NewTableName("existing");
        using (var creator = new DynamoDbGrainStorage(fixture.Options(table)))
        {
            await creator.EnsureTableAsync();
        }

        var options = fixture.Options(table);
        options.CreateTableIfNotExists = false;
        using var storage = new DynamoDbGrainStorage(options);
        await storage.EnsureTableAsync();

        var state = storage.GetState<AlertSettings>("alerts", "a");
        await state.WriteStateAsync();
        Assert.True(state.RecordExists);
    }

    [Fact]
    public async Task A_table_with_another_key_schema_is_rejected()
    {
        var table = DynaliteFixture.NewTableName("leases");
        await fixture.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = [new KeySchemaElement("leaseKey", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("leaseKey", ScalarAttributeType.S)],
        });
        using var storage = new DynamoDbGrainStorage(fixture.Options(table));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.EnsureTableAsync());

        Assert.Contains("leaseKey HASH", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrainReference HASH, GrainType RANGE", error.Message, StringComparison.Ordinal);
    }
}
