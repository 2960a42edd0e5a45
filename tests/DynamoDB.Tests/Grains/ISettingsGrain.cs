using KinesisGrains.DynamoDB.Tests.Support;
using Orleans;

namespace KinesisGrains.DynamoDB.Tests.Grains;

/// <summary>A grain keeping its settings in DynamoDB grain storage.</summary>
public interface ISettingsGrain : IGrainWithStringKey
{
    Task<SettingsSnapshot> GetAsync();

    Task SetAsync(AlertSettings settings);

    Task ClearAsync();
}
