using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

public sealed class TableCreationTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    [Fact]
    public async Task Racing_silos_create_one_on_demand_table_with_the_Orleans_key_schema()
    {
        var table = DynaliteFixture.NewTableName("race");
        var storages = Enumerable.Range(0, 4).Select(_ => fixture.NewStorage(fixture.Options(table))).ToArray();

        await Task.WhenAll(storages.Select(s => s.InitAsync(CancellationToken.None)));

        var description = await DescribeAsync(table);
        Assert.Equal(TableStatus.ACTIVE, description.TableStatus);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
        Assert.Equal(
            ["GrainReference HASH", "GrainType RANGE"],
            description.KeySchema.Select(k => $"{k.AttributeName} {k.KeyType}"));
        Assert.All(description.AttributeDefinitions, a => Assert.Equal(ScalarAttributeType.S, a.AttributeType));
        Assert.Single((await fixture.Client.ListTablesAsync()).TableNames, name => name == table);

        // Usable from every storage: one writes, another reads.
        var grainId = DynaliteFixture.NewGrainId();
        var written = DynaliteFixture.NewState();
        written.State.Name = "raced";
        await storages[0].WriteStateAsync("settings", grainId, written);
        var read = DynaliteFixture.NewState();
        await storages[3].ReadStateAsync("settings", grainId, read);
        Assert.Equal("raced", read.State.Name);
    }

    [Fact]
    public async Task By_default_the_table_is_OrleansGrainState_with_Orleans_provisioned_capacity()
    {
        var options = fixture.Options("unused");
        options.TableName = new DynamoDBGrainStorageOptions().TableName;
        options.UseProvisionedThroughput = new DynamoDBGrainStorageOptions().UseProvisionedThroughput;
        var storage = fixture.NewStorage(options);

        await storage.InitAsync(CancellationToken.None);

        var description = await DescribeAsync("OrleansGrainState");
        Assert.NotEqual(BillingMode.PAY_PER_REQUEST, description.BillingModeSummary?.BillingMode);
        Assert.Equal(10, description.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(5, description.ProvisionedThroughput.WriteCapacityUnits);
    }

    [Fact]
    public async Task Starting_again_keeps_the_items()
    {
        var table = DynaliteFixture.NewTableName("again");
        var storage = fixture.NewStorage(fixture.Options(table));
        await storage.InitAsync(CancellationToken.None);
        var grainId = DynaliteFixture.NewGrainId();
        var written = DynaliteFixture.NewState();
        written.State.Name = "kept";
        await storage.WriteStateAsync("settings", grainId, written);

        await storage.InitAsync(CancellationToken.None);
        var restarted = fixture.NewStorage(fixture.Options(table));
        await restarted.InitAsync(CancellationToken.None);

        var read = DynaliteFixture.NewState();
        await restarted.ReadStateAsync("settings", grainId, read);
        Assert.Equal("kept", read.State.Name);
        Assert.Equal(written.ETag, read.ETag);
    }

    [Fact]
    public async Task A_missing_table_fails_the_start_when_creation_is_off()
    {
        var table = DynaliteFixture.NewTableName("missing");
        var options = fixture.Options(table);
        options.CreateIfNotExists = false;
        var logs = new CapturedLogs();
        var storage = fixture.NewStorage(options, logs);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.InitAsync(CancellationToken.None));

        Assert.Contains($"'{table}' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("CreateIfNotExists", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(table, (await fixture.Client.ListTablesAsync()).TableNames);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Exception == error);
    }

    [Fact]
    public async Task An_existing_table_is_used_when_creation_and_updates_are_off()
    {
        var table = DynaliteFixture.NewTableName("existing");
        await fixture.NewStorage(fixture.Options(table)).InitAsync(CancellationToken.None);

        var options = fixture.Options(table);
        options.CreateIfNotExists = false;
        options.UpdateIfExists = false;
        var storage = fixture.NewStorage(options);
        await storage.InitAsync(CancellationToken.None);

        var state = DynaliteFixture.NewState();
        await storage.WriteStateAsync("settings", DynaliteFixture.NewGrainId(), state);
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
        var storage = fixture.NewStorage(fixture.Options(table));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.InitAsync(CancellationToken.None));

        Assert.Contains("leaseKey HASH", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrainReference HASH, GrainType RANGE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateIfExists_brings_billing_in_line_and_without_it_the_table_is_left_alone()
    {
        var table = DynaliteFixture.NewTableName("billing");
        await fixture.NewStorage(fixture.Options(table)).InitAsync(CancellationToken.None);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, (await DescribeAsync(table)).BillingModeSummary?.BillingMode);

        var untouched = fixture.Options(table);
        untouched.UseProvisionedThroughput = true;
        untouched.UpdateIfExists = false;
        await fixture.NewStorage(untouched).InitAsync(CancellationToken.None);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, (await DescribeAsync(table)).BillingModeSummary?.BillingMode);

        var provisioned = fixture.Options(table);
        provisioned.UseProvisionedThroughput = true;
        provisioned.ReadCapacityUnits = 7;
        provisioned.WriteCapacityUnits = 3;
        await fixture.NewStorage(provisioned).InitAsync(CancellationToken.None);
        var description = await DescribeAsync(table);
        Assert.Equal(BillingMode.PROVISIONED, description.BillingModeSummary?.BillingMode);
        Assert.Equal(TableStatus.ACTIVE, description.TableStatus);
        Assert.Equal(7, description.ProvisionedThroughput.ReadCapacityUnits);
        Assert.Equal(3, description.ProvisionedThroughput.WriteCapacityUnits);

        await fixture.NewStorage(fixture.Options(table)).InitAsync(CancellationToken.None);
        Assert.Equal(BillingMode.PAY_PER_REQUEST, (await DescribeAsync(table)).BillingModeSummary?.BillingMode);
    }

    [Fact]
    public async Task A_table_that_refuses_time_to_live_still_starts_with_a_warning()
    {
        // dynalite 4 has DescribeTimeToLive but no UpdateTimeToLive, like a role without that permission.
        var table = DynaliteFixture.NewTableName("ttl");
        var options = fixture.Options(table);
        options.TimeToLive = TimeSpan.FromDays(30);
        var logs = new CapturedLogs();
        var storage = fixture.NewStorage(options, logs);

        await storage.InitAsync(CancellationToken.None);

        var warning = Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains($"time to live of DynamoDB grain state table {table} on attribute GrainTtl", warning.Message, StringComparison.Ordinal);
        Assert.NotNull(warning.Exception);
        var state = DynaliteFixture.NewState();
        await storage.WriteStateAsync("settings", DynaliteFixture.NewGrainId(), state);
        Assert.True(state.RecordExists);
    }

    private async Task<TableDescription> DescribeAsync(string table) => (await fixture.Client.DescribeTableAsync(table)).Table;
}
