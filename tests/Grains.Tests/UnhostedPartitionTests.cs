using KinesisGrains.Grains.Sessions;
using KinesisGrains.Grains.UserActivity;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A silo that hosts the user activity only.</summary>
public sealed class UserActivityOnlySilo() : ClickstreamSilo(typeof(UserActivityPartitionGrain));

/// <summary>
/// A partition grain class the silo does not host (AddKeyedStatePartition) takes nothing from its namespace: it would
/// apply events no checkpoint barrier vouches for, and dead-letter records again.
/// </summary>
public sealed class UnhostedPartitionTests(UserActivityOnlySilo silo) : IClassFixture<UserActivityOnlySilo>
{
    [Fact]
    public async Task The_clickstream_reaches_only_the_hosted_partition_grain_class()
    {
        await silo.ReadAsync(null, [new ClickEvent("only-user", "view", 10, DateTimeOffset.UnixEpoch)]);
        await ClickstreamSilo.EventuallyAsync(() => silo.Client.GetUserActivity("only-user").GetSummaryAsync(), s => s.EventCount == 1);

        // Not a grain type of this cluster at all.
        Assert.ThrowsAny<ArgumentException>(() => silo.Client.GetGrain<IUserSessionsPartition>(0));
        Assert.False(Directory.Exists(Path.Combine(silo.StateFolder, "user-sessions")));
    }
}
