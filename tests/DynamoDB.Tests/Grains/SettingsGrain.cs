using KinesisGrains.DynamoDB.Tests.Support;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.DynamoDB.Tests.Grains;

/// <summary>Uses the storage the way any grain would: <c>[PersistentState("settings", "dynamodb")]</c>.</summary>
[GrainType(TypeName)]
public sealed class SettingsGrain([PersistentState("settings", ClusterFixture.StorageName)] IPersistentState<AlertSettings> settings)
    : Grain, ISettingsGrain
{
    public const string TypeName = "settings";

    // Tells a fresh activation (which read its state from DynamoDB) from the one that wrote it.
    private readonly Guid _activationId = Guid.NewGuid();

    public Task<SettingsSnapshot> GetAsync() =>
        Task.FromResult(new SettingsSnapshot(settings.State, settings.Etag, settings.RecordExists, _activationId));

    public async Task SetAsync(AlertSettings value)
    {
        settings.State = value;
        await settings.WriteStateAsync();
    }

    public Task ClearAsync() => settings.ClearStateAsync();
}
