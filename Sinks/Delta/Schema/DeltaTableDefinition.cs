using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// What a table is made of, in a form that travels between silos (to the committer grain): the rows' columns as a
/// Delta schemaString, the partition column specs and, for a merge table, its bucket count. <see cref="ToSchema"/> gives
/// the <see cref="DeltaTableSchema"/>.
/// </summary>
/// <param name="RowSchemaString">The rows' columns (without the columns <c>date(...)</c> partitions add).</param>
/// <param name="PartitionBy">Specs as <see cref="DeltaPartitionColumn.Parse"/> takes them.</param>
/// <param name="MergeBuckets">
/// Null for a table the rows are appended to; the bucket count of a merge table (one row per live key of a changelog,
/// see <see cref="DeltaMergeWriter"/>), kept in its <c>metaData.configuration</c> as <see cref="DeltaMergeLayout.BucketsConfiguration"/>.
/// </param>
[GenerateSerializer, Immutable]
internal sealed record DeltaTableDefinition(
    [property: Id(0)] string RowSchemaString, [property: Id(1)] IReadOnlyList<string> PartitionBy, [property: Id(2)] int? MergeBuckets = null)
{
    /// <param name="mergeBuckets">Null to append rows; a bucket count (at least 1) for a merge table, whose rows must be a changelog (<see cref="RowSchema.Changelog"/>).</param>
    /// <exception cref="ArgumentException">An invalid layout, or a merge table of rows that are no changelog.</exception>
    public static DeltaTableDefinition For(RowSchema rows, IEnumerable<string>? partitionBy, int? mergeBuckets = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (mergeBuckets is { } buckets)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1, nameof(mergeBuckets));
            if (rows.Columns is not [{ Name: RowSchema.KeyColumn, Type: RowColumnType.String, Nullable: false }, { Name: RowSchema.DeletedColumn, Type: RowColumnType.Boolean }, ..])
            {
                throw new ArgumentException(
                    $"A merge table takes changelog rows (columns '{RowSchema.KeyColumn}' string, '{RowSchema.DeletedColumn}' boolean, then the state's), not {rows.Description}.",
                    nameof(rows));
            }
        }

        var definition = new DeltaTableDefinition(DeltaSchemaJson.Write(rows.Columns), [.. partitionBy ?? []], mergeBuckets);
        _ = definition.ToSchema(); // named now, not at the first commit
        return definition;
    }

    public DeltaTableSchema ToSchema() => DeltaTableSchema.Create(DeltaSchemaJson.Parse(RowSchemaString, out _), PartitionBy);

    public bool Equals(DeltaTableDefinition? other) =>
        other is not null && RowSchemaString == other.RowSchemaString && PartitionBy.SequenceEqual(other.PartitionBy, StringComparer.Ordinal)
        && MergeBuckets == other.MergeBuckets;

    public override int GetHashCode() => HashCode.Combine(RowSchemaString.GetHashCode(StringComparison.Ordinal), MergeBuckets);
}
