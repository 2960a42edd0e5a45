using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>
/// Addresses a grain per state key with <see cref="StateKeyGrainKey"/>, so every key a stream carries has a grain,
/// whitespace-only ones included: clients call <see cref="GetKeyedGrain{TGrain}"/>, the grain reads <see cref="GetStateKey"/>.
/// </summary>
public static class KeyedGrainExtensions
{
    /// <summary>The grain of <paramref name="stateKey"/>: <c>GetGrain</c> with the key escaped when Orleans would refuse it.</summary>
    public static TGrain GetKeyedGrain<TGrain>(this IGrainFactory grainFactory, string stateKey)
        where TGrain : IGrainWithStringKey =>
        grainFactory.GetGrain<TGrain>(StateKeyGrainKey.ToGrainKey(stateKey));

    /// <summary>The state key a grain addressed by <see cref="GetKeyedGrain{TGrain}"/> (or plain <c>GetGrain</c>) stands for.</summary>
    public static string GetStateKey(this IAddressable grain) => StateKeyGrainKey.ToStateKey(grain.GetPrimaryKeyString());
}
