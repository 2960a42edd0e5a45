namespace KinesisGrains.Abstractions.Sinks;

/// <summary>The column types a sink row may hold: the ones every sink (Delta/Parquet, DynamoDB, JSON) can carry without loss.</summary>
public enum RowColumnType
{
    String,
    Long,
    Integer,
    Double,
    Boolean,

    /// <summary>An instant (<see cref="DateTimeOffset"/>), UTC, microseconds: Delta's <c>timestamp</c>.</summary>
    Timestamp,

    /// <summary>A map from string to <see cref="RowColumn.ValueType"/> (e.g. <c>Dictionary&lt;string, long&gt;</c>).</summary>
    Map,
}
