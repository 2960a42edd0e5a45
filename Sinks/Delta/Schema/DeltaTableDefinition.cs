using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// What a table is made of, in a form that travels between silos (to the committer grain): the rows' columns as a
/// Delta schemaString and the partition column specs. <see cref="ToSchema"/> gives the <see cref="DeltaTableSchema"/>.
/// </summary>
/// <param name="RowSchemaString">The rows' columns (without the columns <c>date(...)</c> partitions add).</param>
/// <param name="PartitionBy">Specs as <see cref="DeltaPartitionColumn.Parse"/> takes them.</param>
[GenerateSerializer, Immutable]
public sealed record DeltaTableDefinition([property: Id(0)] string RowSchemaString, [property: Id(1)] IReadOnlyList<string> PartitionBy)
{
    public static DeltaTableDefinition For(RowSchema rows, IEnumerable<string>? partitionBy)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var definition = new DeltaTableDefinition(DeltaSchemaJson.Write(rows.Columns), [.. partitionBy ?? []]);
        _ = definition.ToSchema(); // named now, not at the first commit
        return definition;
    }

    public DeltaTableSchema ToSchema() => DeltaTableSchema.Create(DeltaSchemaJson.Parse(RowSchemaString, out _), PartitionBy);

    public bool Equals(DeltaTableDefinition? other) =>
        other is not null && RowSchemaString == other.RowSchemaString && PartitionBy.SequenceEqual(other.PartitionBy, StringComparer.Ordinal);

    public override int GetHashCode() => RowSchemaString.GetHashCode(StringComparison.Ordinal);
}
