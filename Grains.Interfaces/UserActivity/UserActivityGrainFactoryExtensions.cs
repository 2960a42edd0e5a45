using KinesisGrains.Abstractions.KeyedState;
using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>Reaches any user's activity, including user ids Orleans refuses as grain keys (whitespace-only ones).</summary>
public static class UserActivityGrainFactoryExtensions
{
    /// <summary>
    /// <c>client.GetUserActivity(" ").GetSummaryAsync()</c>: the same grain as <c>GetGrain&lt;IUserActivity&gt;(userId)</c>
    /// for every id Orleans accepts, and an escaped grain key (<see cref="StateKeyGrainKey"/>) for the rest.
    /// </summary>
    public static IUserActivity GetUserActivity(this IGrainFactory grainFactory, string userId) =>
        grainFactory.GetKeyedGrain<IUserActivity>(userId);
}
