using KinesisGrains.Abstractions.Views;
using KinesisGrains.KeyedState.Checkpointing;
using Orleans;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Checkpointing;

/// <summary>Which view's barriers a partition grain class gets: the view whose namespace its implicit subscription matches.</summary>
public sealed class PartitionGrainViewsTests
{
    private static readonly StreamLanes Lanes = new("clicks", ["clicks-by-type", "clicks-total"], 4);

    [ImplicitStreamSubscription("clicks")]
    private sealed class UserPartitions;

    [ImplicitStreamSubscription("clicks-total")]
    private sealed class TotalPartitions;

    [RegexImplicitStreamSubscription("^clicks-by-")]
    private sealed class ByPartitions;

    [ImplicitStreamSubscription("other-stream")]
    private sealed class OtherPartitions;

    [ImplicitStreamSubscription("clicks")]
    [ImplicitStreamSubscription("clicks-total")]
    private sealed class GreedyPartitions;

    [RegexImplicitStreamSubscription("^clicks")]
    private sealed class PatternPartitions;

    [Fact]
    public void A_class_gets_the_view_its_subscription_names_or_matches()
    {
        Assert.Equal([0], PartitionGrainViews.Of(typeof(UserPartitions), Lanes));
        Assert.Equal([2], PartitionGrainViews.Of(typeof(TotalPartitions), Lanes));
        Assert.Equal([1], PartitionGrainViews.Of(typeof(ByPartitions), Lanes));
        Assert.Empty(PartitionGrainViews.Of(typeof(OtherPartitions), Lanes));
    }

    [Fact]
    public void A_class_subscribed_to_two_views_of_one_stream_is_a_problem_named_at_start()
    {
        var problems = PartitionGrainViews.Problems(
            [typeof(UserPartitions), typeof(TotalPartitions), typeof(GreedyPartitions), typeof(PatternPartitions), typeof(OtherPartitions)], Lanes).ToList();

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("Partition grain GreedyPartitions subscribes to the stream namespaces of 2 views of one stream ('clicks', 'clicks-total')", problems[0]);
        Assert.StartsWith("Partition grain PatternPartitions subscribes to the stream namespaces of 3 views", problems[1]);
    }
}
