using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Writes rows as data files of a table and gives their <c>add</c> actions: one Snappy Parquet file per partition value
/// (<c>region=eu/part-00000-&lt;uuid&gt;.c000.snappy.parquet</c>), uploaded under a name no one else uses, never
/// overwritten. Nothing is in the table until the adds are committed.
/// </summary>
internal sealed class DeltaDataFileWriter
{
    private readonly DeltaTableSchema _schema;
    private readonly DeltaTableStorage _storage;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<RowColumn> _rowColumns;
    private readonly SinkRowDecoder _decoder;
    private readonly int[] _dataIndexes;
    private readonly int[] _partitionSources;
    private readonly bool _rowsAreData;

    public DeltaDataFileWriter(DeltaTableSchema schema, DeltaTableStorage storage, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(storage);
        _schema = schema;
        _storage = storage;
        _time = time ?? TimeProvider.System;

        // Rows hold the table's columns but those date(...) partitions add.
        var generated = schema.Partitions.Where(p => p.Transform == DeltaPartitionTransform.Date).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        _rowColumns = [.. schema.Columns.Where(c => !generated.Contains(c.Name))];
        _decoder = new SinkRowDecoder(_rowColumns);
        var index = _rowColumns.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        _dataIndexes = [.. schema.DataColumns.Select(c => index[c.Name])];
        _partitionSources = [.. schema.Partitions.Select(p => index[p.SourceColumn])];

        // Without partition columns a decoded row is already a data row: no copy per row.
        _rowsAreData = _dataIndexes.Length == _rowColumns.Count && _dataIndexes.Select((d, i) => d == i).All(same => same);
    }

    /// <summary>Writes <paramref name="rows"/> (JSON of the schema's row columns), one file per partition value, in the rows' order within each.</summary>
    /// <returns>No add for no rows.</returns>
    /// <exception cref="DeltaRowException">A row that does not fit the schema; nothing is uploaded then.</exception>
    public Task<IReadOnlyList<DeltaAddFile>> WriteAsync(IReadOnlyList<SinkRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return WriteValuesAsync([.. rows.Select(_decoder.Decode)], null, cancellationToken);
    }

    internal DeltaTableStorage Storage => _storage;

    /// <summary>The columns a row holds (the table's but those <c>date(...)</c> partitions add), in the order <see cref="Decode"/> gives their values.</summary>
    internal IReadOnlyList<RowColumn> RowColumns => _rowColumns;

    /// <exception cref="DeltaRowException">A row that does not fit the schema.</exception>
    internal object?[] Decode(SinkRow row) => _decoder.Decode(row);

    /// <summary>Writes rows given as <see cref="RowColumns"/> values, one file per partition value, each add tagged with <paramref name="tags"/>.</summary>
    internal async Task<IReadOnlyList<DeltaAddFile>> WriteValuesAsync(IEnumerable<object?[]> rows, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<string, (Dictionary<string, string?> Values, List<object?[]> Rows)>(StringComparer.Ordinal);
        foreach (var values in rows)
        {
            var partition = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < _schema.Partitions.Count; i++)
            {
                // Spark reads an empty partition value as null; writing it as null keeps every reader agreeing.
                var value = _schema.Partitions[i].ValueOf(values[_partitionSources[i]]);
                partition[_schema.Partitions[i].Name] = value is "" ? null : value;
            }

            var key = DeltaPartitionPath.Directory(_schema.PartitionColumnNames, partition);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = (partition, []);
            }

            group.Rows.Add(_rowsAreData ? values : [.. _dataIndexes.Select(i => values[i])]);
        }

        var adds = new List<DeltaAddFile>(groups.Count);
        var part = 0;
        try
        {
            foreach (var (values, dataRows) in groups.Values)
            {
                var add = await WriteFileAsync(values, dataRows, dataChange: true, part++, cancellationToken);
                adds.Add(tags is null ? add : add with { Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal) });
            }
        }
        catch when (adds.Count > 0)
        {
            await DeleteQuietlyAsync(adds);
            throw;
        }

        return adds;
    }

    /// <summary>
    /// The rows of a live data file as <see cref="RowColumns"/> values (the inverse of <see cref="WriteValuesAsync"/>):
    /// the data columns from the file, partition columns from <c>add.partitionValues</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file is gone (vacuumed after another writer removed it).</exception>
    internal async Task<List<object?[]>> ReadValuesAsync(DeltaAddFile file, CancellationToken cancellationToken)
    {
        var content = await _storage.GetAsync(DeltaPartitionPath.FromUri(file.Path), cancellationToken)
            ?? throw new FileNotFoundException($"Data file {_storage.Uri}/{file.Path} is missing.");
        using var stream = new MemoryStream(content, writable: false);
        var dataRows = await DeltaParquetFile.ReadAsync(_schema.DataColumns, stream, cancellationToken);
        var dataIndex = _schema.DataColumns.Select((c, i) => (c.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        var sources = _rowColumns.Select(c => dataIndex.TryGetValue(c.Name, out var i) ? (Data: i, Partition: (object?)null) : (Data: -1, Partition: PartitionValue(c, file))).ToArray();
        var rows = new List<object?[]>(dataRows.Count);
        foreach (var data in dataRows)
        {
            var values = new object?[sources.Length];
            for (var i = 0; i < sources.Length; i++)
            {
                values[i] = sources[i].Data >= 0 ? data[sources[i].Data] : sources[i].Partition;
            }

            rows.Add(values);
        }

        return rows;
    }

    private static object? PartitionValue(RowColumn column, DeltaAddFile file)
    {
        var text = file.PartitionValues.GetValueOrDefault(column.Name);
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        return text is null ? null : column.Type switch
        {
            RowColumnType.String => text,
            RowColumnType.Integer => int.Parse(text, invariant),
            RowColumnType.Long => long.Parse(text, invariant),
            RowColumnType.Boolean => bool.Parse(text),
            _ => throw new InvalidDataException($"Partition column '{column.Name}' of {column.Type} cannot be read back from {file.Path}."),
        };
    }

    private async Task DeleteQuietlyAsync(IReadOnlyList<DeltaAddFile> adds)
    {
        try
        {
            await _storage.DeleteAsync([.. adds.Select(a => DeltaPartitionPath.FromUri(a.Path))], CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never committed: vacuum in Full mode takes them later.
        }
    }

    /// <summary>Writes one file of rows of the schema's data columns (values as <see cref="DeltaParquetFile"/> holds them) in one partition.</summary>
    internal async Task<DeltaAddFile> WriteFileAsync(
        IReadOnlyDictionary<string, string?> partitionValues, IReadOnlyList<object?[]> dataRows, bool dataChange, int part, CancellationToken cancellationToken)
    {
        var content = await DeltaParquetFile.WriteAsync(_schema.DataColumns, dataRows, cancellationToken);
        var directory = DeltaPartitionPath.Directory(_schema.PartitionColumnNames, partitionValues);
        var name = $"part-{part:D5}-{Guid.NewGuid()}.c000.snappy.parquet";
        var path = directory.Length == 0 ? name : $"{directory}/{name}";
        await _storage.PutAsync(path, content, cancellationToken);
        return new DeltaAddFile
        {
            Path = DeltaPartitionPath.ToUri(path),
            PartitionValues = new Dictionary<string, string?>(partitionValues, StringComparer.Ordinal),
            Size = content.Length,
            ModificationTime = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            DataChange = dataChange,
            Stats = DeltaFileStats.Compute(_schema.DataColumns, dataRows),
        };
    }
}
