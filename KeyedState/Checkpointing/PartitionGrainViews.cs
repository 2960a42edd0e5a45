using System.Reflection;
using KinesisGrains.Abstractions.Views;
using Orleans;

namespace KinesisGrains.KeyedState.Checkpointing;

/// <summary>
/// Which view of a stream provider a partition grain class consumes: the views whose stream namespace one of its
/// <see cref="ImplicitStreamSubscriptionAttribute"/>s matches (Orleans' own predicate, so a regular-expression
/// subscription counts too). A class must consume one view of a provider at most: two would feed its one ledger two
/// chains of batches of the same shard, and the second chain's events would be skipped as redeliveries.
/// </summary>
internal static class PartitionGrainViews
{
    /// <summary>The indexes of the views of <paramref name="lanes"/> that <paramref name="grainClass"/> subscribes to.</summary>
    public static IReadOnlyList<int> Of(Type grainClass, StreamLanes lanes)
    {
        var subscriptions = grainClass.GetCustomAttributes<ImplicitStreamSubscriptionAttribute>(inherit: true).ToList();
        return [.. Enumerable.Range(0, lanes.ViewCount).Where(view => subscriptions.Any(s => s.Predicate.IsMatch(lanes.Namespaces[view])))];
    }

    /// <summary>One sentence per class subscribed to more than one view of <paramref name="lanes"/>.</summary>
    public static IEnumerable<string> Problems(IEnumerable<Type> grainClasses, StreamLanes lanes)
    {
        foreach (var grainClass in grainClasses)
        {
            if (Of(grainClass, lanes) is { Count: > 1 } views)
            {
                yield return $"Partition grain {grainClass.Name} subscribes to the stream namespaces of {views.Count} views of one stream " +
                    $"({string.Join(", ", views.Select(v => $"'{lanes.Namespaces[v]}'"))}); a partition grain class consumes one view: give each view a class of its own.";
            }
        }
    }
}
