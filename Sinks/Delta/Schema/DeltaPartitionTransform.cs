namespace KinesisGrains.Sinks.Delta;

/// <summary>How a partition column's value comes from a row.</summary>
public enum DeltaPartitionTransform
{
    /// <summary>The row's column itself (string, integer, long or boolean), written as its invariant text.</summary>
    Identity,

    /// <summary>The UTC date (<c>yyyy-MM-dd</c>) of a timestamp column, in a string column of its own.</summary>
    Date,
}
