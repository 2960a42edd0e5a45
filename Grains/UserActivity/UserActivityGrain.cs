using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>Aggregates a user's clickstream events; one activation per user id.</summary>
[GrainType("user-activity")]
public sealed class UserActivityGrain : Grain<UserActivityState>, IUserActivity, IStreamConsumer<ClickEvent>
{
    public void OnNext(ClickEvent item, in StreamEventInfo info)
    {
        var state = State;
        state.EventCount++;
        state.TotalBytes += item.Bytes;
        if (state.FirstSeen is null || item.Timestamp < state.FirstSeen)
        {
            state.FirstSeen = item.Timestamp;
        }

        if (state.LastSeen is null || item.Timestamp > state.LastSeen)
        {
            state.LastSeen = item.Timestamp;
        }

        state.EventsByType[item.Type] = state.EventsByType.GetValueOrDefault(item.Type) + 1;
    }

    public Task<UserActivitySummary> GetSummaryAsync() =>
        Task.FromResult(new UserActivitySummary(
            GrainKey,
            State.EventCount,
            State.TotalBytes,
            State.FirstSeen,
            State.LastSeen,
            new SortedDictionary<string, long>(State.EventsByType, StringComparer.Ordinal)));

    public Task ResetAsync()
    {
        State = new UserActivityState();
        MarkStateChanged();
        return Task.CompletedTask;
    }
}
