using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

public sealed class ItemSizeTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string StateName = "settings";
    private const int Limit = 400 * 1024;

    [Fact]
    public async Task Oversize_state_gives_a_clear_error_and_writes_nothing()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();
        state.State.Name = new string('x', 500_000);

        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => fixture.Storage.WriteStateAsync(StateName, grainId, state));

        Assert.Equal(grainId, error.GrainId);
        Assert.Equal(StateName, error.StateName);
        Assert.Equal(DynaliteFixture.SharedTable, error.TableName);
        Assert.Equal(Limit, error.LimitBytes);
        Assert.InRange(error.SizeBytes, 500_000, 501_000);
        Assert.Contains(grainId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{StateName}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{error.SizeBytes} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"limit is {Limit} bytes", error.Message, StringComparison.Ordinal);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Null(await fixture.ItemAsync(grainId, StateName));
    }

    [Fact]
    public async Task Oversize_state_is_rejected_without_calling_DynamoDB()
    {
        // Nothing listens on port 1: any request would fail with a connection error instead.
        var options = fixture.Options("unreachable");
        options.Service = "http://127.0.0.1:1";
        IGrainStorage storage = fixture.NewStorage(options);
        var state = DynaliteFixture.NewState();
        state.State.Name = new string('x', Limit);

        await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync(StateName, DynaliteFixture.NewGrainId(), state));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_largest_state_that_fits_is_written_and_one_byte_more_is_not(bool withTimeToLive)
    {
        IGrainStorage storage = fixture.NewStorage(o => o.TimeToLive = withTimeToLive ? TimeSpan.FromDays(1) : null);
        var grainId = DynaliteFixture.NewGrainId();
        var state = DynaliteFixture.NewState();

        // Learn the overhead (keys, names, the rest of the JSON) from an oversize attempt.
        const int probe = 500_000;
        state.State.Name = new string('x', probe);
        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync(StateName, grainId, state));
        var fits = probe - (int)(error.SizeBytes - Limit);

        state.State.Name = new string('x', fits + 1);
        var justOver = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync(StateName, grainId, state));
        Assert.Equal(Limit + 1, justOver.SizeBytes);

        // dynalite enforces 400 KB too; the check counts numbers at their largest (21 bytes), so this is below it.
        state.State.Name = new string('x', fits);
        await storage.WriteStateAsync(StateName, grainId, state);
        var read = DynaliteFixture.NewState();
        await storage.ReadStateAsync(StateName, grainId, read);
        Assert.Equal(fits, read.State.Name.Length);

        // An update is checked the same way, and leaves the stored item and the etag alone.
        var etag = read.ETag;
        read.State.Name += "x";
        await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync(StateName, grainId, read));
        Assert.Equal(etag, read.ETag);
        Assert.Equal(etag, (await fixture.ItemAsync(grainId, StateName))!["ETag"].N);
    }
}
