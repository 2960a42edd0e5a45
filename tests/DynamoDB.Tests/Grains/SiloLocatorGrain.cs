using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.DynamoDB.Tests.Grains;

public sealed class SiloLocatorGrain(ILocalSiloDetails silo) : Grain, ISiloLocatorGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
