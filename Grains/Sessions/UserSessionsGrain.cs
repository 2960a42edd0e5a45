using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Windows;
using KinesisGrains.KeyedState;
using Orleans;
using Orleans.Concurrency;

namespace KinesisGrains.Grains.Sessions;

/// <summary>A user's sessions, read from the partition that holds the user.</summary>
[StatelessWorker]
public sealed class UserSessionsGrain(KeyedStateOptions options) : Grain, IUserSessions
{
    public Task<WindowResult<long>[]> GetSessionsAsync()
    {
        var user = this.GetStateKey();
        return GrainFactory.GetPartitionOf<IUserSessionsPartition>(user, options.PartitionCount).GetWindowsAsync(user);
    }
}
