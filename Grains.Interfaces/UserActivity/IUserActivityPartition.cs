using KinesisGrains.Abstractions.KeyedState;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>The partition grain that holds the activity state of the users of one slice of the key space.</summary>
public interface IUserActivityPartition : IKeyedStatePartition<UserActivityState>
{
    /// <summary>The Orleans stream namespace the partitions subscribe to.</summary>
    public const string StreamNamespace = "clickstream";
}
