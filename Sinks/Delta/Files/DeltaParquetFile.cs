using System.IO.Compression;
using KinesisGrains.Abstractions.Sinks;
using Parquet;
using Parquet.Schema;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A data file's Parquet encoding: one Snappy row group of the table's data columns, values as
/// <see cref="SinkRowDecoder"/> decodes them (timestamps as UTC microseconds, maps as key/value lists).
/// </summary>
internal static class DeltaParquetFile
{
    private static readonly ParquetOptions s_options = new()
    {
        CompressionMethod = CompressionMethod.Snappy,

        // 6.1.0 defaults to SmallestSize and 6.1.1 to Optimal: pinned so an upgrade changes no file.
        CompressionLevel = CompressionLevel.Optimal,
    };

    public static ParquetSchema Schema(IReadOnlyList<RowColumn> columns) => new([.. columns.Select(Field)]);

    /// <exception cref="InvalidDataException">A null in a required column (checked before any byte is written).</exception>
    public static async Task<byte[]> WriteAsync(IReadOnlyList<RowColumn> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        var writer = new ParquetRowWriter(Schema(columns));
        foreach (var row in rows)
        {
            writer.Add(row);
        }

        var file = await writer.ToFileAsync(s_options, cancellationToken);
        return await ParquetTimestampFooter.MarkAsync(file, TimestampPaths(columns), cancellationToken);
    }

    /// <summary>The rows of a data file of <paramref name="columns"/>, as <see cref="WriteAsync"/> takes them.</summary>
    public static async Task<List<object?[]>> ReadAsync(IReadOnlyList<RowColumn> columns, Stream file, CancellationToken cancellationToken)
    {
        var records = await ParquetRowReader.ReadAsync(file, null, cancellationToken);
        return [.. records.Select(record => columns.Select(c => FromParquet(c.Type, c.ValueType, record.GetValueOrDefault(c.Name))).ToArray())];
    }

    private static object? FromParquet(RowColumnType type, RowColumnType? valueType, object? value) => value switch
    {
        null => null,
        DateTime time => DeltaTimestamps.ToMicros(time),
        List<KeyValuePair<string, object?>> entries => entries.Select(e => new KeyValuePair<string, object?>(e.Key, FromParquet(valueType!.Value, null, e.Value))).ToList(),
        long l when type == RowColumnType.Integer => checked((int)l),
        int i when type == RowColumnType.Long => (long)i,
        float f => (double)f,
        _ => value,
    };

    private static HashSet<string> TimestampPaths(IReadOnlyList<RowColumn> columns) =>
    [
        .. columns.Where(c => c.Type == RowColumnType.Timestamp).Select(c => c.Name),
        .. columns.Where(c => c.Type == RowColumnType.Map && c.ValueType == RowColumnType.Timestamp).Select(c => $"{c.Name}/key_value/value"),
    ];

    private static Field Field(RowColumn column) => column.Type == RowColumnType.Map
        ? new MapField(column.Name, new DataField<string>("key", false), Scalar("value", column.ValueType!.Value, nullable: true))
        : Scalar(column.Name, column.Type, column.Nullable);

    // Timestamps go in as INT64 microseconds and become TIMESTAMP(MICROS, UTC) in the footer (ParquetTimestampFooter).
    private static DataField Scalar(string name, RowColumnType type, bool nullable) => new(name, type switch
    {
        RowColumnType.String => typeof(string),
        RowColumnType.Long or RowColumnType.Timestamp => typeof(long),
        RowColumnType.Integer => typeof(int),
        RowColumnType.Double => typeof(double),
        RowColumnType.Boolean => typeof(bool),
        _ => throw new NotSupportedException($"Column '{name}' of {type} is not a scalar."),
    }, nullable);
}
