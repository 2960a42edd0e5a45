namespace KinesisGrains.Abstractions.Sinks;

/// <summary>The column types a sink row may hold: the ones every sink (Delta/Parquet, DynamoDB, JSON) can carry without loss.</summary>
public enum RowColumnType
{
    /// <summary>A UTF-8 string.</summary>
    String,
    /// <summary>A 64-bit integer.</summary>
    Long,
    /// <summary>A 32-bit integer.</summary>
    Integer,
    /// <summary>A 64-bit floating-point number.</summary>
    Double,
    /// <summary>True or false.</summary>
    Boolean,

    /// <summary>An instant (<see cref="DateTimeOffset"/>), UTC, microseconds: Delta's <c>timestamp</c>.</summary>
    Timestamp,

    /// <summary>A map from string to <see cref="RowColumn.ValueType"/> (e.g. <c>Dictionary&lt;string, long&gt;</c>).</summary>
    Map,
}
