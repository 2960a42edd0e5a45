namespace KinesisGrains.Grains.UserActivity;

/// <summary>The persisted state of <see cref="UserActivityGrain"/>.</summary>
public sealed class UserActivityState
{
    public long EventCount { get; set; }

    public long TotalBytes { get; set; }

    public DateTimeOffset? FirstSeen { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    public Dictionary<string, long> EventsByType { get; set; } = new(StringComparer.Ordinal);
}
