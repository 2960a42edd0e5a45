using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A table's layout: its columns (the rows' columns, then one string column per <c>date(column)</c> partition), which of
/// them are partition columns (kept in the log, not in the data files) and which the data files hold.
/// </summary>
internal sealed class DeltaTableSchema
{
    // Spark refuses these in column names (Parquet's own restriction there); a table others read must not have them.
    private static readonly char[] s_forbidden = [' ', ',', ';', '{', '}', '(', ')', '\n', '\t', '='];

    private DeltaTableSchema(IReadOnlyList<RowColumn> columns, IReadOnlyList<DeltaPartitionColumn> partitions)
    {
        Columns = columns;
        Partitions = partitions;
        var partitionNames = partitions.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        DataColumns = [.. columns.Where(c => !partitionNames.Contains(c.Name))];
        PartitionColumnNames = [.. partitions.Select(p => p.Name)];
        SchemaString = DeltaSchemaJson.Write(columns);
    }

    /// <summary>Every column of the table, as its <c>schemaString</c> lists them.</summary>
    public IReadOnlyList<RowColumn> Columns { get; }

    /// <summary>The columns a data file holds: all but the partition columns.</summary>
    public IReadOnlyList<RowColumn> DataColumns { get; }

    public IReadOnlyList<DeltaPartitionColumn> Partitions { get; }

    /// <summary><c>metaData.partitionColumns</c>.</summary>
    public IReadOnlyList<string> PartitionColumnNames { get; }

    /// <summary><c>metaData.schemaString</c>.</summary>
    public string SchemaString { get; }

    /// <summary>The layout of a table of <paramref name="rowColumns"/> partitioned by <paramref name="partitionBy"/> (specs, see <see cref="DeltaPartitionColumn"/>).</summary>
    /// <exception cref="ArgumentException">A spec names no column, a column of a type that cannot partition, or twice; or a column name Delta readers refuse.</exception>
    public static DeltaTableSchema Create(IReadOnlyList<RowColumn> rowColumns, IEnumerable<string>? partitionBy)
    {
        ArgumentNullException.ThrowIfNull(rowColumns);
        var problems = new List<string>();
        foreach (var column in rowColumns.Where(c => c.Name.Length == 0 || c.Name.IndexOfAny(s_forbidden) >= 0))
        {
            problems.Add($"column '{column.Name}' has a character Delta readers refuse in names (space , ; {{ }} ( ) = tab newline)");
        }

        var byName = rowColumns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var columns = rowColumns.ToList();
        var partitions = new List<DeltaPartitionColumn>();
        foreach (var spec in partitionBy ?? [])
        {
            DeltaPartitionColumn partition;
            try
            {
                partition = DeltaPartitionColumn.Parse(spec);
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message.Split(" (Parameter", 2)[0]);
                continue;
            }

            if (!byName.TryGetValue(partition.SourceColumn, out var source))
            {
                problems.Add($"partition column '{spec}' names no column of the rows ({string.Join(", ", rowColumns.Select(c => c.Name))})");
            }
            else if (partition.Transform == DeltaPartitionTransform.Identity
                && source.Type is not (RowColumnType.String or RowColumnType.Integer or RowColumnType.Long or RowColumnType.Boolean))
            {
                problems.Add(source.Type == RowColumnType.Timestamp
                    ? $"partition column '{spec}' is a timestamp: partition by its date with 'date({spec})'"
                    : $"partition column '{spec}' is a {source.Type}: partition columns are string, integer, long or boolean");
            }
            else if (partition.Transform == DeltaPartitionTransform.Date && source.Type != RowColumnType.Timestamp)
            {
                problems.Add($"partition column '{spec}' takes the date of a timestamp column, but '{source.Name}' is a {source.Type}");
            }
            else if (partitions.Any(p => p.Name == partition.Name))
            {
                problems.Add($"partition column '{spec}' is given twice");
            }
            else if (partition.Transform == DeltaPartitionTransform.Date && byName.ContainsKey(partition.Name))
            {
                problems.Add($"partition column '{spec}' adds the column '{partition.Name}', which the rows have already");
            }
            else
            {
                partitions.Add(partition);
                if (partition.Transform == DeltaPartitionTransform.Date)
                {
                    columns.Add(new RowColumn(partition.Name, RowColumnType.String, source.Nullable));
                }
            }
        }

        if (problems.Count == 0 && columns.Count == partitions.Count)
        {
            problems.Add("every column is a partition column, which leaves the data files no column");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid Delta table layout: {string.Join("; ", problems)}.");
        }

        return new DeltaTableSchema(columns, partitions);
    }

    /// <summary>
    /// The layout an existing table's log gives (for maintenance: optimize needs the data columns). Its partition columns
    /// read as <see cref="DeltaPartitionTransform.Identity"/>: rewriting files keeps their partition values as they are.
    /// </summary>
    public static DeltaTableSchema FromLog(DeltaMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var columns = DeltaSchemaJson.Parse(metadata.SchemaString, out _);
        return new DeltaTableSchema(columns, [.. metadata.PartitionColumns.Select(name => new DeltaPartitionColumn(name, name, DeltaPartitionTransform.Identity))]);
    }

    /// <summary>Why a table whose log has <paramref name="metadata"/> cannot take rows of this layout; null when it can.</summary>
    internal string? Mismatch(DeltaMetadata metadata)
    {
        if (!metadata.PartitionColumns.SequenceEqual(PartitionColumnNames, StringComparer.Ordinal))
        {
            return $"the table is partitioned by [{string.Join(", ", metadata.PartitionColumns)}], the sink by [{string.Join(", ", PartitionColumnNames)}]";
        }

        var existing = DeltaSchemaJson.Parse(metadata.SchemaString, out _);
        if (existing.Count != Columns.Count)
        {
            return $"the table has the columns [{string.Join(", ", existing.Select(c => c.Name))}], the rows [{string.Join(", ", Columns.Select(c => c.Name))}]";
        }

        for (var i = 0; i < existing.Count; i++)
        {
            var (table, ours) = (existing[i], Columns[i]);
            if (table.Name != ours.Name || table.Type != ours.Type || table.ValueType != ours.ValueType)
            {
                return $"column {i + 1} is '{table.Name}' ({table.Type}{(table.ValueType is { } v ? $" of {v}" : "")}) in the table, '{ours.Name}' ({ours.Type}{(ours.ValueType is { } w ? $" of {w}" : "")}) in the rows";
            }

            // Rows that may hold nulls cannot go into a column the table says never does.
            if (!table.Nullable && ours.Nullable)
            {
                return $"column '{table.Name}' is not nullable in the table, but the rows may hold nulls in it";
            }
        }

        return null;
    }
}
