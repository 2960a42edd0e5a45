using Amazon.DynamoDBv2.Model;
using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Grains;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>Grains with <c>[PersistentState("settings", "dynamodb")]</c> in a two-silo cluster.</summary>
public sealed class ClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string StateName = "settings";

    [Theory]
    [InlineData("plain")]
    [InlineData("Zürich ops/alerts.v2")]
    [InlineData("日本語 キー with spaces")]
    [InlineData("a/b/c.d.e 🚨")]
    public async Task State_written_by_a_grain_is_read_back_by_a_new_activation(string keyPrefix)
    {
        var key = keyPrefix + " " + Guid.NewGuid().ToString("N")[..6];
        var grain = fixture.Cluster.Client.GetGrain<ISettingsGrain>(key);
        var fresh = await grain.GetAsync();
        Assert.False(fresh.RecordExists);
        Assert.Null(fresh.Etag);

        await grain.SetAsync(new AlertSettings { Name = "for " + key, Threshold = 2.5, Recipients = ["ops"] });
        var written = await grain.GetAsync();
        await fixture.Cluster.DeactivateAsync(grain);
        var read = await grain.GetAsync();

        Assert.NotEqual(written.ActivationId, read.ActivationId);
        Assert.True(read.RecordExists);
        Assert.Equal(written.Etag, read.Etag);
        Assert.Equal("for " + key, read.Settings.Name);
        Assert.Equal(2.5, read.Settings.Threshold);
        Assert.Equal(["ops"], read.Settings.Recipients);

        // Stored where Orleans.Persistence.DynamoDB would store it.
        var item = await fixture.ItemAsync(GrainId.Create(SettingsGrain.TypeName, key), StateName);
        Assert.NotNull(item);
        Assert.Equal($"{ClusterFixture.ServiceId}_{SettingsGrain.TypeName}/{key}", item["GrainReference"].S);
        Assert.Equal(written.Etag, item["ETag"].N);
    }

    [Fact]
    public async Task A_cleared_state_stays_cleared_in_a_new_activation()
    {
        var grain = fixture.Cluster.Client.GetGrain<ISettingsGrain>("clear " + Guid.NewGuid().ToString("N"));
        await grain.SetAsync(new AlertSettings { Name = "to be cleared" });

        await grain.ClearAsync();
        await fixture.Cluster.DeactivateAsync(grain);
        var read = await grain.GetAsync();

        Assert.False(read.RecordExists);
        Assert.Equal("", read.Settings.Name);
        Assert.NotNull(read.Etag);
    }

    [Fact]
    public async Task A_change_behind_the_grain_fails_its_write_with_Orleans_InconsistentStateException()
    {
        var key = "conflict " + Guid.NewGuid().ToString("N");
        var grain = fixture.Cluster.Client.GetGrain<ISettingsGrain>(key);
        await grain.SetAsync(new AlertSettings { Name = "by the grain" });
        var before = await grain.GetAsync();

        // Another writer (an old activation, a script) moves the item on.
        var item = (await fixture.ItemAsync(GrainId.Create(SettingsGrain.TypeName, key), StateName))!;
        item["ETag"] = new AttributeValue { N = (long.Parse(before.Etag!) + 5).ToString() };
        await fixture.Client.PutItemAsync(new PutItemRequest { TableName = ClusterFixture.Table, Item = item });

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => grain.SetAsync(new AlertSettings { Name = "lost" }));
        Assert.Equal(before.Etag, conflict.CurrentEtag);
        Assert.Equal(item["ETag"].N, conflict.StoredEtag);

        // Orleans deactivates an activation whose state is stale; the next one reads the current item.
        var after = await grain.GetAsync();
        Assert.NotEqual(before.ActivationId, after.ActivationId);
        Assert.Equal(item["ETag"].N, after.Etag);
        Assert.Equal("by the grain", after.Settings.Name);
    }

    [Fact]
    public async Task Oversize_state_reaches_the_caller_as_a_clear_error_and_nothing_changes()
    {
        var key = "big " + Guid.NewGuid().ToString("N");
        var grain = fixture.Cluster.Client.GetGrain<ISettingsGrain>(key);
        await grain.SetAsync(new AlertSettings { Name = "small" });
        var before = await grain.GetAsync();

        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(
            () => grain.SetAsync(new AlertSettings { Name = new string('x', 450_000) }));

        Assert.Equal(GrainId.Create(SettingsGrain.TypeName, key), error.GrainId);
        Assert.Equal(StateName, error.StateName);
        Assert.Equal(ClusterFixture.Table, error.TableName);
        Assert.InRange(error.SizeBytes, 450_000, 451_000);
        Assert.Equal(400 * 1024, error.LimitBytes);
        Assert.Contains($"{error.SizeBytes} bytes", error.Message, StringComparison.Ordinal);
        await fixture.Cluster.DeactivateAsync(grain);
        var after = await grain.GetAsync();
        Assert.Equal("small", after.Settings.Name);
        Assert.Equal(before.Etag, after.Etag);
    }

    [Fact]
    public void Credentials_are_redacted_where_the_silo_formats_the_options_and_absent_from_every_log()
    {
        var formatted = fixture.Cluster.Silos[0].ServiceProvider.GetServices<IOptionFormatter>()
            .Where(f => f.Name.Contains(nameof(DynamoDBGrainStorageOptions), StringComparison.Ordinal))
            .SelectMany(f => f.Format())
            .ToList();

        Assert.Contains("AccessKey: REDACTED", formatted);
        Assert.Contains("SecretKey: REDACTED", formatted);
        Assert.Contains("Token: REDACTED", formatted);
        Assert.Contains($"TableName: {ClusterFixture.Table}", formatted);

        // The silo did log its options (and the storage its start) at some level, so the absence below means something.
        var logs = fixture.Logs.AllText;
        Assert.Contains($"TableName: {ClusterFixture.Table}", logs, StringComparison.Ordinal);
        Assert.Contains($"DynamoDB grain storage {ClusterFixture.StorageName} ready on table {ClusterFixture.Table}", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ClusterFixture.AccessKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ClusterFixture.SecretKey, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ClusterFixture.Token, logs, StringComparison.Ordinal);
    }
}
