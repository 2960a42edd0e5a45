using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.DynamoDb.Tests.Grains;

public sealed class SiloLocatorGrain(ILocalSiloDetails silo) : Grain, ISiloLocatorGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(silo.SiloAddress.ToParsableString());
}
