using KinesisGrains.KeyedState.Partitions;
using KinesisGrains.Abstractions.Streams;
using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>
/// The per-user logic of the clickstream: every event of a user updates that user's state and emits a
/// <see cref="UserClickRow"/> (staged only when a sink takes the emitted rows).
/// </summary>
[ImplicitStreamSubscription(IUserActivityPartition.StreamNamespace)]
public sealed class UserActivityPartitionGrain : KeyedStatePartitionGrain<ClickEvent, UserActivityState, UserClickRow>, IUserActivityPartition
{
    protected override string StateName => "user-activity";

    protected override void Apply(string key, UserActivityState state, ClickEvent item, in StreamEventInfo info)
    {
        // Checked: a total that overflows is an error to dead-letter, never a wrapped number.
        var totalBytes = checked(state.TotalBytes + item.Bytes);
        state.EventCount++;
        state.TotalBytes = totalBytes;
        if (state.FirstSeen is null || item.Timestamp < state.FirstSeen)
        {
            state.FirstSeen = item.Timestamp;
        }

        if (state.LastSeen is null || item.Timestamp > state.LastSeen)
        {
            state.LastSeen = item.Timestamp;
        }

        state.EventsByType[item.Type] = state.EventsByType.GetValueOrDefault(item.Type) + 1;
        Emit(new UserClickRow(key, state.EventCount, item.Type, item.Bytes, item.Timestamp, info.ShardId, info.Token.SequenceNumber));
    }
}
