using Orleans;

namespace KinesisGrains.Grains.UserActivity;

/// <summary>Running activity of one user, built from the clickstream: counts, bytes, first and last seen, per type.</summary>
public interface IUserActivity : IGrainWithStringKey
{
    Task<UserActivitySummary> GetSummaryAsync();

    /// <summary>Forgets everything seen so far for this user.</summary>
    Task ResetAsync();
}
