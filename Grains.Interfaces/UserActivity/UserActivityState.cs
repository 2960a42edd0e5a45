using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>The state of one user's activity, kept by the user's partition.</summary>
[GenerateSerializer]
public sealed class UserActivityState
{
    [Id(0)]
    public long EventCount { get; set; }

    [Id(1)]
    public long TotalBytes { get; set; }

    [Id(2)]
    public DateTimeOffset? FirstSeen { get; set; }

    [Id(3)]
    public DateTimeOffset? LastSeen { get; set; }

    [Id(4)]
    public Dictionary<string, long> EventsByType { get; set; } = new(StringComparer.Ordinal);
}
