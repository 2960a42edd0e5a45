using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>
/// A <see cref="DynamoDBSink"/> (<c>Sinks:{name}:Type=DynamoDB</c>): the table it upserts one item per key into.
/// <see cref="DynamoDBSinkOptionsValidator"/> holds the rules.
/// </summary>
public sealed class DynamoDBSinkOptions : AwsRowSinkOptions
{
    /// <summary>The key attribute used when none is configured.</summary>
    public const string DefaultKeyAttribute = "key";

    /// <summary>BatchWriteItem takes at most this many requests per call.</summary>
    public const int MaxBatchWriteItems = 25;

    /// <summary>The most parallel writes a sink may be configured with.</summary>
    public const int MaxMaxParallelWrites = 32;

    /// <summary>A changelog by default: one item per state key, its latest state.</summary>
    public DynamoDBSinkOptions() => Output = SinkOutputKind.Changelog;

    /// <summary>The table's name. Required.</summary>
    public string Table { get; set; } = "";

    /// <summary>
    /// The table's partition (hash) key attribute, a string; a reader finds a key's item with
    /// <c>GetItem(Table, {KeyAttribute: key})</c>. The table has no sort key.
    /// </summary>
    public string KeyAttribute { get; set; } = DefaultKeyAttribute;

    /// <summary>
    /// For <see cref="SinkOutputKind.Emitted"/> rows: a string column of the row whose value is the item key, so each
    /// value keeps its latest row. Null: the state key whose logic emitted the row.
    /// </summary>
    public string? KeyColumn { get; set; }

    /// <summary>
    /// Creates a missing table (on-demand billing, <see cref="KeyAttribute"/> as its only key) and waits for it to
    /// become ACTIVE. For local use; in production create the table beforehand, and a missing one fails the commit.
    /// </summary>
    public bool CreateTableIfMissing { get; set; }

    /// <summary>BatchWriteItem calls of one commit in flight at once.</summary>
    public int MaxParallelWrites { get; set; } = 4;
}
