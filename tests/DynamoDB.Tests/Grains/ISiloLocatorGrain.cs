using Orleans;

namespace KinesisGrains.DynamoDB.Tests.Grains;

/// <summary>Says where its activation runs: which silo answered a call.</summary>
public interface ISiloLocatorGrain : IGrainWithStringKey
{
    Task<string> GetSiloAsync();
}
