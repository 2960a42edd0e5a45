using KinesisGrains.Grains.UserActivity;
using Orleans;

namespace KinesisGrains.Grains.Clicks;

/// <summary>How many clicks and bytes one key of a click view has seen (an event type, or every click).</summary>
[GenerateSerializer]
public sealed class ClickCounts
{
    [Id(0)]
    public long Events { get; set; }

    [Id(1)]
    public long Bytes { get; set; }

    public void Add(ClickEvent click)
    {
        // Checked: a total that overflows is an error to dead-letter, never a wrapped number.
        Bytes = checked(Bytes + click.Bytes);
        Events++;
    }

    /// <summary>The counts of two parts of a spread key (each partition's pre-aggregate): associative and commutative.</summary>
    public static ClickCounts Merge(ClickCounts left, ClickCounts right) =>
        new() { Events = left.Events + right.Events, Bytes = checked(left.Bytes + right.Bytes) };
}
