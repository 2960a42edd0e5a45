using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>A user's aggregate. <see cref="EventCount"/> is 0 for a user never seen.</summary>
[GenerateSerializer, Immutable]
public sealed record UserActivitySummary(
    [property: Id(0)] string UserId,
    [property: Id(1)] long EventCount,
    [property: Id(2)] long TotalBytes,
    [property: Id(3)] DateTimeOffset? FirstSeen,
    [property: Id(4)] DateTimeOffset? LastSeen,
    [property: Id(5)] IReadOnlyDictionary<string, long> EventsByType)
{
    public static UserActivitySummary Of(string userId, UserActivityState? state) =>
        state is null
            ? new(userId, 0, 0, null, null, new SortedDictionary<string, long>(StringComparer.Ordinal))
            : new(userId, state.EventCount, state.TotalBytes, state.FirstSeen, state.LastSeen, new SortedDictionary<string, long>(state.EventsByType, StringComparer.Ordinal));
}
