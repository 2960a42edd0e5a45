using KinesisGrains.KeyedState;
using KinesisGrains.Abstractions.KeyedState;
using Orleans;
using Orleans.Concurrency;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>
/// A user's activity as clients call it (<c>GetGrain&lt;IUserActivity&gt;("user-42")</c>, or <c>GetUserActivity(" ")</c> for
/// ids Orleans refuses as grain keys): reads and changes go to the partition grain that holds the user's state, so the
/// stream and the calls see one copy of it.
/// </summary>
[StatelessWorker]
public sealed class UserActivityGrain(KeyedStateOptions options) : Grain, IUserActivity
{
    public async Task<UserActivitySummary> GetSummaryAsync()
    {
        var key = this.GetStateKey();
        return UserActivitySummary.Of(key, await Partition(key).GetAsync(key));
    }

    public Task ResetAsync()
    {
        var key = this.GetStateKey();
        return Partition(key).SetAsync(key, null);
    }

    private IUserActivityPartition Partition(string key) => GrainFactory.GetPartitionOf<IUserActivityPartition>(key, options.PartitionCount);
}
