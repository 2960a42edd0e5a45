using KinesisGrains.DynamoDB.Tests.Support;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>Two activations of one grain (say, during a failover), each holding a state for the same item.</summary>
public sealed class ConcurrencyTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string StateName = "settings";

    private IGrainStorage Storage => fixture.Storage;

    [Fact]
    public async Task A_second_first_write_conflicts_and_the_first_writer_wins()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var first = await ReadAsync(grainId);
        var second = await ReadAsync(grainId);
        first.State.Name = "first";
        second.State.Name = "second";

        await Storage.WriteStateAsync(StateName, grainId, first);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, second));

        Assert.Null(conflict.CurrentEtag);
        Assert.Equal(first.ETag, conflict.StoredEtag);
        Assert.Contains(grainId.ToString(), conflict.Message, StringComparison.Ordinal);
        Assert.Contains($"'{StateName}'", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("expected no item", conflict.Message, StringComparison.Ordinal);
        Assert.Contains($"storage has etag {first.ETag}", conflict.Message, StringComparison.Ordinal);

        // The loser keeps its local state and etag; storage keeps the winner's.
        Assert.Equal("second", second.State.Name);
        Assert.Null(second.ETag);
        Assert.False(second.RecordExists);
        Assert.Equal("first", (await ReadAsync(grainId)).State.Name);
    }

    [Fact]
    public async Task A_stale_writer_conflicts_and_can_write_after_a_re_read()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var first = DynaliteFixture.NewState();
        await Storage.WriteStateAsync(StateName, grainId, first);
        var second = await ReadAsync(grainId);
        var staleEtag = second.ETag;

        first.State.Name = "first";
        await Storage.WriteStateAsync(StateName, grainId, first);
        second.State.Name = "second";
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, second));

        Assert.Equal(staleEtag, conflict.CurrentEtag);
        Assert.Equal(first.ETag, conflict.StoredEtag);
        Assert.Contains($"expected etag {staleEtag}, storage has etag {first.ETag}", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(staleEtag, second.ETag);
        Assert.Equal("second", second.State.Name);
        Assert.Equal("first", (await ReadAsync(grainId)).State.Name);

        // Retrying without a re-read fails the same way.
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, second));

        await Storage.ReadStateAsync(StateName, grainId, second);
        Assert.Equal("first", second.State.Name);
        second.State.Name = "second, after re-reading";
        await Storage.WriteStateAsync(StateName, grainId, second);

        Assert.Equal("second, after re-reading", (await ReadAsync(grainId)).State.Name);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, first));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clear_with_a_stale_etag_conflicts_and_changes_nothing(bool deleteStateOnClear)
    {
        IGrainStorage storage = fixture.NewStorage(o => o.DeleteStateOnClear = deleteStateOnClear);
        var grainId = DynaliteFixture.NewGrainId();
        var first = DynaliteFixture.NewState();
        await storage.WriteStateAsync(StateName, grainId, first);
        var second = await ReadAsync(grainId);
        var staleEtag = second.ETag;
        second.State.Name = "local edit";

        first.State.Name = "first";
        await storage.WriteStateAsync(StateName, grainId, first);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, grainId, second));

        Assert.Equal(first.ETag, conflict.StoredEtag);
        Assert.True(second.RecordExists);
        Assert.Equal(staleEtag, second.ETag);
        Assert.Equal("local edit", second.State.Name);
        var stored = await ReadAsync(grainId);
        Assert.Equal("first", stored.State.Name);
        Assert.Equal(first.ETag, stored.ETag);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clear_by_a_state_that_saw_no_item_conflicts_once_one_was_written(bool deleteStateOnClear)
    {
        IGrainStorage storage = fixture.NewStorage(o => o.DeleteStateOnClear = deleteStateOnClear);
        var grainId = DynaliteFixture.NewGrainId();
        var unaware = await ReadAsync(grainId);

        var writer = DynaliteFixture.NewState();
        writer.State.Name = "written";
        await storage.WriteStateAsync(StateName, grainId, writer);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, grainId, unaware));
        Assert.Null(conflict.CurrentEtag);
        Assert.Equal(writer.ETag, conflict.StoredEtag);
        Assert.Equal("written", (await ReadAsync(grainId)).State.Name);
    }

    [Fact]
    public async Task A_write_after_another_state_deleted_the_item_conflicts()
    {
        IGrainStorage storage = fixture.NewStorage(o => o.DeleteStateOnClear = true);
        var grainId = DynaliteFixture.NewGrainId();
        var first = DynaliteFixture.NewState();
        await storage.WriteStateAsync(StateName, grainId, first);
        var second = await ReadAsync(grainId);

        await storage.ClearStateAsync(StateName, grainId, first);
        second.State.Name = "into a deleted item";
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, second));

        Assert.Null(conflict.StoredEtag);
        Assert.Contains("storage has no item", conflict.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));
    }

    [Fact]
    public async Task A_writer_from_before_a_delete_conflicts_with_the_re_created_item()
    {
        IGrainStorage storage = fixture.NewStorage(o => o.DeleteStateOnClear = true);
        var grainId = DynaliteFixture.NewGrainId();
        var owner = DynaliteFixture.NewState();
        await storage.WriteStateAsync(StateName, grainId, owner);
        var stale = await ReadAsync(grainId);
        var etagBeforeDelete = owner.ETag;

        await storage.ClearStateAsync(StateName, grainId, owner);
        owner.State.Name = "re-created";
        await storage.WriteStateAsync(StateName, grainId, owner);

        // A re-created item starts at a new random version, not where the deleted one was.
        Assert.NotEqual(etagBeforeDelete, owner.ETag);
        stale.State.Name = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(StateName, grainId, stale));
        Assert.Equal("re-created", (await ReadAsync(grainId)).State.Name);
    }

    [Fact]
    public async Task An_etag_this_storage_never_wrote_is_a_conflict()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        state.ETag = "W/\"0x8DC\"";

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grainId, state));

        Assert.Equal("W/\"0x8DC\"", conflict.CurrentEtag);
        Assert.Contains("never wrote", conflict.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));
    }

    [Fact]
    public async Task Of_many_racing_first_writers_exactly_one_wins()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var writers = Enumerable.Range(0, 8).Select(i =>
        {
            var state = DynaliteFixture.NewState();
            state.State.Name = "writer " + i;
            return state;
        }).ToArray();

        var outcomes = await Task.WhenAll(writers.Select(writer => WonAsync(grainId, writer)));

        Assert.Equal(1, outcomes.Count(won => won));
        var winner = Assert.Single(writers, w => w.RecordExists);
        var stored = await ReadAsync(grainId);
        Assert.Equal(winner.State.Name, stored.State.Name);
        Assert.Equal(winner.ETag, stored.ETag);
    }

    [Fact]
    public async Task Of_many_racing_updaters_from_one_etag_exactly_one_wins()
    {
        var grainId = DynaliteFixture.NewGrainId();
        await Storage.WriteStateAsync(StateName, grainId, DynaliteFixture.NewState());
        var writers = new List<AlertSettingsState>();
        for (var i = 0; i < 8; i++)
        {
            var state = await ReadAsync(grainId);
            state.State.Name = "updater " + i;
            writers.Add(state);
        }

        var before = writers[0].ETag;
        var outcomes = await Task.WhenAll(writers.Select(writer => WonAsync(grainId, writer)));

        Assert.Equal(1, outcomes.Count(won => won));
        var winner = Assert.Single(writers, w => w.ETag != before);
        Assert.Equal(winner.State.Name, (await ReadAsync(grainId)).State.Name);
    }

    private async Task<bool> WonAsync(GrainId grainId, AlertSettingsState writer)
    {
        try
        {
            await Storage.WriteStateAsync(StateName, grainId, writer);
            return true;
        }
        catch (InconsistentStateException)
        {
            return false;
        }
    }

    private async Task<AlertSettingsState> ReadAsync(GrainId grainId)
    {
        var state = DynaliteFixture.NewState();
        await Storage.ReadStateAsync(StateName, grainId, state);
        return state;
    }
}
