using KinesisGrains.DynamoDb.Persistence;
using KinesisGrains.DynamoDb.Tests.Support;
using Xunit;

namespace KinesisGrains.DynamoDb.Tests;

public sealed class ItemSizeTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string GrainType = "alerts";
    private const int Limit = 400 * 1024;

    [Fact]
    public async Task Oversize_state_gives_a_clear_error_and_writes_nothing()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        state.State.Name = new string('x', 500_000);

        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => state.WriteStateAsync());

        Assert.Equal(GrainType, error.GrainType);
        Assert.Equal(key, error.GrainKey);
        Assert.Equal(Limit, error.LimitBytes);
        Assert.InRange(error.SizeBytes, 500_000, 501_000);
        Assert.Contains($"{GrainType}/{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{error.SizeBytes} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{Limit} bytes", error.Message, StringComparison.Ordinal);
        Assert.Null(state.Etag);
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.False(reader.RecordExists);
    }

    [Fact]
    public async Task Oversize_state_is_rejected_without_calling_DynamoDB()
    {
        // Nothing listens on port 1: any request would fail with a connection error instead.
        var options = fixture.Options("unreachable");
        options.Connection.ServiceUrl = new Uri("http://127.0.0.1:1");
        using var storage = new DynamoDbGrainStorage(options);
        var state = storage.GetState<AlertSettings>(GrainType, "key");
        state.State.Name = new string('x', Limit);

        await Assert.ThrowsAsync<GrainStateTooLargeException>(() => state.WriteStateAsync());
    }

    [Fact]
    public async Task The_largest_state_that_fits_is_written_and_one_byte_more_is_not()
    {
        var key = DynaliteFixture.NewKey();
        var state = fixture.Storage.GetState<AlertSettings>(GrainType, key);

        // Learn the overhead (keys, names, the rest of the JSON) from an oversize attempt.
        const int probe = 500_000;
        state.State.Name = new string('x', probe);
        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => state.WriteStateAsync());
        var fits = probe - (int)(error.SizeBytes - Limit);

        state.State.Name = new string('x', fits + 1);
        var justOver = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => state.WriteStateAsync());
        Assert.Equal(Limit + 1, justOver.SizeBytes);

        // dynalite enforces 400 KB too; the size check counts the etag at its largest (21 bytes), so this is below it.
        state.State.Name = new string('x', fits);
        await state.WriteStateAsync();
        var reader = fixture.Storage.GetState<AlertSettings>(GrainType, key);
        await reader.ReadStateAsync();
        Assert.Equal(fits, reader.State.Name.Length);

        // An update is checked the same way.
        reader.State.Name += "x";
        await Assert.ThrowsAsync<GrainStateTooLargeException>(() => reader.WriteStateAsync());
    }
}
