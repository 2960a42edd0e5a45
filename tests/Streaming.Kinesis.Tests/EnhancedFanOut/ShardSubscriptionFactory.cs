using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>Opens a <see cref="ShardSubscription"/> over a response built in the test (its parsing, without a server).</summary>
internal static class ShardSubscriptionFactory
{
    public static Task<ShardSubscription> OpenAsync(HttpResponseMessage response, string shardId, StartingPosition position) =>
        ShardSubscription.OpenAsync(response, shardId, position, CancellationToken.None);
}
