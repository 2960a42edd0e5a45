using KinesisGrains.Abstractions.Windows;
using Orleans;

namespace KinesisGrains.Grains.Sessions;

/// <summary>
/// A user's sessions by event time (<c>GetGrain&lt;IUserSessions&gt;("user-42")</c>, or <c>GetKeyedGrain&lt;IUserSessions&gt;(" ")</c>
/// for ids Orleans refuses as grain keys): runs of clicks less than <see cref="Gap"/> apart.
/// </summary>
public interface IUserSessions : IGrainWithStringKey
{
    /// <summary>Closed sessions kept per user for queries (open ones are always there).</summary>
    const int ClosedSessionsKept = 10;

    /// <summary>A session ends once a user has not clicked for this long; its <see cref="WindowResult{T}.End"/> is its last click plus the gap.</summary>
    static TimeSpan Gap => TimeSpan.FromMinutes(30);

    /// <summary>
    /// The user's most recent closed sessions and its open ones, oldest first: <see cref="WindowResult{T}.Events"/> its
    /// clicks, <see cref="WindowResult{T}.Value"/> their bytes. Empty for a user never seen (or forgotten after 90 days without a click).
    /// </summary>
    Task<WindowResult<long>[]> GetSessionsAsync();
}
