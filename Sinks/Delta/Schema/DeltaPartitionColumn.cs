using System.Globalization;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// One of a table's partition columns, given as a spec: <c>region</c> partitions by the row's <c>region</c> column
/// (string, integer, long or boolean); <c>date(eventTime)</c> partitions by the UTC date of the timestamp column
/// <c>eventTime</c>, in a string column <c>eventTime_date</c> (<c>yyyy-MM-dd</c>) that the table has besides the row's
/// columns. Delta keeps partition values in the log (<c>add.partitionValues</c>), not in the data files; a null value is
/// a null partition value, in the directory <c>__HIVE_DEFAULT_PARTITION__</c>.
/// </summary>
/// <param name="Name">The table's column (<c>region</c>, <c>eventTime_date</c>).</param>
/// <param name="SourceColumn">The row's column the value comes from.</param>
public sealed record DeltaPartitionColumn(string Name, string SourceColumn, DeltaPartitionTransform Transform)
{
    /// <summary>Suffix of the column a <c>date(column)</c> spec adds.</summary>
    public const string DateSuffix = "_date";

    /// <summary>The spec it was made from.</summary>
    public string Spec => Transform == DeltaPartitionTransform.Date ? $"date({SourceColumn})" : SourceColumn;

    /// <summary>Parses <c>column</c> or <c>date(column)</c> (case-insensitive <c>date</c>, spaces allowed around names).</summary>
    /// <exception cref="ArgumentException">Not one of those forms.</exception>
    public static DeltaPartitionColumn Parse(string spec)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        var text = spec.Trim();
        if (text.StartsWith("date(", StringComparison.OrdinalIgnoreCase) && text.EndsWith(')'))
        {
            var source = text[5..^1].Trim();
            if (source.Length == 0 || source.Contains('(') || source.Contains(')'))
            {
                throw new ArgumentException($"Partition column '{spec}' is not 'column' or 'date(column)'.", nameof(spec));
            }

            return new DeltaPartitionColumn(source + DateSuffix, source, DeltaPartitionTransform.Date);
        }

        if (text.Contains('(') || text.Contains(')'))
        {
            throw new ArgumentException($"Partition column '{spec}' is not 'column' or 'date(column)' (the only transform is date).", nameof(spec));
        }

        return new DeltaPartitionColumn(text, text, DeltaPartitionTransform.Identity);
    }

    /// <summary>The partition value of a row whose source column holds <paramref name="value"/> (as <see cref="SinkRowDecoder"/> decodes it).</summary>
    internal string? ValueOf(object? value) => value switch
    {
        null => null,
        long micros when Transform == DeltaPartitionTransform.Date => DeltaTimestamps.ToDateTime(micros).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => throw new InvalidOperationException($"Partition column '{Name}' cannot take a {value.GetType().Name}."),
    };
}
