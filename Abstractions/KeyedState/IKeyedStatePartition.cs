using Orleans;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>
/// A keyed-state partition grain (integer key p in [0, P)) as its callers see it: the state of any key it holds.
/// Declare a sub-interface per state type (<c>IUserActivityPartition : IKeyedStatePartition&lt;UserActivityState&gt;</c>)
/// and call it through <see cref="KeyedStateGrainFactoryExtensions"/>.
/// </summary>
public interface IKeyedStatePartition<TState> : IGrainWithIntegerKey
{
    /// <summary>The key's state; null for a key never seen.</summary>
    Task<TState?> GetAsync(string key);

    /// <summary>Replaces the key's state (null deletes it); durable when the call returns.</summary>
    Task SetAsync(string key, TState? state);
}
