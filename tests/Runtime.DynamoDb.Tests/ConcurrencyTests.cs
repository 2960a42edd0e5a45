using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.DynamoDb.Tests.Support;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests;

/// <summary>Two activations of one grain (say, during a failover) each holding a state object for the same record.</summary>
public sealed class ConcurrencyTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string GrainType = "settings";

    [Fact]
    public async Task Second_first_writer_conflicts_and_the_first_writer_wins()
    {
        var key = DynaliteFixture.NewKey();
        var first = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        var second = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await first.ReadStateAsync();
        await second.ReadStateAsync();
        first.State.Name = "first";
        second.State.Name = "second";

        await first.WriteStateAsync();
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());

        Assert.Equal(GrainType, conflict.GrainType);
        Assert.Equal(key, conflict.GrainKey);
        Assert.Equal("state", conflict.StateName);
        Assert.Null(conflict.ExpectedEtag);
        Assert.True(conflict.StoredEtagKnown);
        Assert.Equal(first.Etag, conflict.StoredEtag);
        Assert.Contains($"{GrainType}/{key}", conflict.Message, StringComparison.Ordinal);
        Assert.Contains("expected no record", conflict.Message, StringComparison.Ordinal);
        Assert.Contains($"etag {first.Etag}", conflict.Message, StringComparison.Ordinal);

        // The loser keeps its local state and etag; storage keeps the winner's.
        Assert.Equal("second", second.State.Name);
        Assert.Null(second.Etag);
        Assert.False(second.RecordExists);
        Assert.Equal("first", await StoredNameAsync(key));
    }

    [Fact]
    public async Task Stale_writer_conflicts_and_can_write_after_a_re_read()
    {
        var key = DynaliteFixture.NewKey();
        var first = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await first.WriteStateAsync();
        var second = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await second.ReadStateAsync();
        var staleEtag = second.Etag;

        first.State.Name = "first";
        await first.WriteStateAsync();
        second.State.Name = "second";
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());

        Assert.Equal(staleEtag, conflict.ExpectedEtag);
        Assert.Equal(first.Etag, conflict.StoredEtag);
        Assert.Contains($"expected etag {staleEtag}", conflict.Message, StringComparison.Ordinal);
        Assert.Contains($"storage has etag {first.Etag}", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(staleEtag, second.Etag);
        Assert.Equal("second", second.State.Name);
        Assert.Equal("first", await StoredNameAsync(key));

        // Retrying without a re-read fails the same way.
        await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());

        await second.ReadStateAsync();
        Assert.Equal("first", second.State.Name);
        second.State.Name = "second, after re-reading";
        await second.WriteStateAsync();

        Assert.Equal("second, after re-reading", await StoredNameAsync(key));
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.WriteStateAsync());
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_conflicts_and_deletes_nothing()
    {
        var key = DynaliteFixture.NewKey();
        var first = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await first.WriteStateAsync();
        var second = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await second.ReadStateAsync();
        second.State.Name = "local edit";

        first.State.Name = "first";
        await first.WriteStateAsync();
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => second.ClearStateAsync());

        Assert.Equal(first.Etag, conflict.StoredEtag);
        Assert.True(second.RecordExists);
        Assert.Equal("local edit", second.State.Name);
        Assert.Equal("first", await StoredNameAsync(key));
    }

    [Fact]
    public async Task Clear_by_an_object_that_saw_no_record_conflicts_once_one_was_written()
    {
        var key = DynaliteFixture.NewKey();
        var unaware = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await unaware.ReadStateAsync();
        await unaware.ClearStateAsync(); // nothing there: a no-op

        var writer = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        writer.State.Name = "written";
        await writer.WriteStateAsync();

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => unaware.ClearStateAsync());
        Assert.Null(conflict.ExpectedEtag);
        Assert.Equal(writer.Etag, conflict.StoredEtag);
        Assert.Equal("written", await StoredNameAsync(key));
    }

    [Fact]
    public async Task Write_after_the_record_was_cleared_by_another_object_conflicts()
    {
        var key = DynaliteFixture.NewKey();
        var first = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await first.WriteStateAsync();
        var second = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await second.ReadStateAsync();

        await first.ClearStateAsync();
        second.State.Name = "into a deleted record";
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => second.WriteStateAsync());

        Assert.True(conflict.StoredEtagKnown);
        Assert.Null(conflict.StoredEtag);
        Assert.Contains("storage has no record", conflict.Message, StringComparison.Ordinal);
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.False(reader.RecordExists);
    }

    [Fact]
    public async Task A_writer_from_before_a_clear_conflicts_with_the_re_created_record()
    {
        var key = DynaliteFixture.NewKey();
        var owner = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await owner.WriteStateAsync();
        var stale = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await stale.ReadStateAsync();
        var etagBeforeClear = owner.Etag;

        await owner.ClearStateAsync();
        owner.State.Name = "re-created";
        await owner.WriteStateAsync();

        // A re-created item starts at a new random version, not where the deleted one started.
        Assert.NotEqual(etagBeforeClear, owner.Etag);
        stale.State.Name = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale.WriteStateAsync());
        Assert.Equal("re-created", await StoredNameAsync(key));
    }

    [Fact]
    public async Task Of_many_racing_first_writers_exactly_one_wins()
    {
        var key = DynaliteFixture.NewKey();
        var writers = Enumerable.Range(0, 8).Select(i =>
        {
            var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);
            state.State.Name = "writer " + i;
            return state;
        }).ToArray();

        var outcomes = await Task.WhenAll(writers.Select(async writer =>
        {
            try
            {
                await writer.WriteStateAsync();
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        var winner = Assert.Single(writers, w => w.RecordExists);
        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Equal(winner.State.Name, await StoredNameAsync(key));
    }

    private async Task<string> StoredNameAsync(string key)
    {
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.True(reader.RecordExists);
        return reader.State.Name;
    }
}
