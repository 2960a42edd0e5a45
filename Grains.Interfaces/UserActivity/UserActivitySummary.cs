namespace KinesisGrains.Grains.UserActivity;

/// <summary>A user's aggregate. <see cref="EventCount"/> is 0 for a user never seen.</summary>
public sealed record UserActivitySummary(
    string UserId,
    long EventCount,
    long TotalBytes,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    IReadOnlyDictionary<string, long> EventsByType);
