using KinesisGrains.Persistence.DynamoDB;
using KinesisGrains.DynamoDB.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Xunit;

namespace KinesisGrains.DynamoDB.Tests;

/// <summary>
/// What the storage throws must reach a grain's caller whole: Orleans serializes only its own, generated and System or
/// Microsoft exceptions, so an AWS SDK exception anywhere in the chain would arrive as a CodecNotFoundException.
/// </summary>
public sealed class ErrorTests(DynaliteFixture fixture) : IClassFixture<DynaliteFixture>
{
    private const string StateName = "settings";

    private static readonly Lazy<Serializer> s_serializer = new(() =>
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>());

    [Fact]
    public async Task A_failed_call_names_the_operation_grain_table_and_the_service_error()
    {
        var options = fixture.Options("no-such-table");
        IGrainStorage storage = fixture.NewStorage(options);
        var grainId = DynaliteFixture.NewGrainId();

        var read = await Assert.ThrowsAsync<DynamoDBStorageException>(() => storage.ReadStateAsync(StateName, grainId, DynaliteFixture.NewState()));
        var write = await Assert.ThrowsAsync<DynamoDBStorageException>(() => storage.WriteStateAsync(StateName, grainId, DynaliteFixture.NewState()));

        Assert.Equal("ResourceNotFoundException", read.ErrorCode);
        Assert.Equal(400, read.StatusCode);
        Assert.False(string.IsNullOrEmpty(read.RequestId));
        Assert.StartsWith($"DynamoDB read of state '{StateName}' of grain {grainId} in table 'no-such-table' failed: ", read.Message, StringComparison.Ordinal);
        Assert.Contains("(ResourceNotFoundException, HTTP 400, request ", read.Message, StringComparison.Ordinal);
        Assert.StartsWith("DynamoDB write of state", write.Message, StringComparison.Ordinal);
        Assert.Null(read.InnerException);
    }

    [Fact]
    public async Task An_unreachable_service_is_a_storage_error_with_the_cause()
    {
        var options = fixture.Options("unreachable");
        options.Service = "http://127.0.0.1:1";
        IGrainStorage storage = fixture.NewStorage(options);

        var error = await Assert.ThrowsAsync<DynamoDBStorageException>(() => storage.ClearStateAsync(StateName, DynaliteFixture.NewGrainId(), DynaliteFixture.NewState()));

        Assert.Null(error.ErrorCode);
        Assert.Equal(0, error.StatusCode);
        Assert.StartsWith("DynamoDB clear of state", error.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Every_error_of_the_storage_survives_Orleans_serialization()
    {
        var grainId = DynaliteFixture.NewGrainId();
        var winner = DynaliteFixture.NewState();
        await fixture.Storage.WriteStateAsync(StateName, grainId, winner);
        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(
            () => fixture.Storage.WriteStateAsync(StateName, grainId, DynaliteFixture.NewState()));
        var tooLarge = await Assert.ThrowsAsync<GrainStateTooLargeException>(
            () => fixture.Storage.WriteStateAsync(StateName, grainId, new AlertSettingsState { State = { Name = new string('x', 500_000) } }));
        IGrainStorage missingTable = fixture.NewStorage(fixture.Options("no-such-table"));
        var failed = await Assert.ThrowsAsync<DynamoDBStorageException>(
            () => missingTable.ReadStateAsync(StateName, grainId, DynaliteFixture.NewState()));

        var conflictCopy = Assert.IsType<InconsistentStateException>(RoundTrip(conflict));
        Assert.Equal(conflict.Message, conflictCopy.Message);
        Assert.Equal(winner.ETag, conflictCopy.StoredEtag);
        Assert.Null(conflictCopy.CurrentEtag);

        var tooLargeCopy = Assert.IsType<GrainStateTooLargeException>(RoundTrip(tooLarge));
        Assert.Equal(tooLarge.Message, tooLargeCopy.Message);
        Assert.Equal(grainId, tooLargeCopy.GrainId);
        Assert.Equal(tooLarge.SizeBytes, tooLargeCopy.SizeBytes);

        var failedCopy = Assert.IsType<DynamoDBStorageException>(RoundTrip(failed));
        Assert.Equal(failed.Message, failedCopy.Message);
        Assert.Equal("ResourceNotFoundException", failedCopy.ErrorCode);
        Assert.Equal(failed.RequestId, failedCopy.RequestId);
    }

    private static Exception RoundTrip(Exception exception) =>
        s_serializer.Value.Deserialize<Exception>(s_serializer.Value.SerializeToArray<Exception>(exception))
        ?? throw new InvalidOperationException("The serializer gave null.");
}
