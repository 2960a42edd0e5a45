using Parquet.Schema;

namespace KinesisGrains.Sinks.Delta;

/// <summary>Walks Parquet.Net schema trees.</summary>
internal static class ParquetFields
{
    public static IEnumerable<Field> Children(Field field) => field switch
    {
        StructField s => s.Fields,
        MapField m => [m.Key, m.Value],
        ListField l => [l.Item],
        _ => [],
    };

    /// <summary>The leaf columns under <paramref name="field"/> (itself for a leaf), in schema order.</summary>
    public static IEnumerable<DataField> Leaves(Field field) =>
        field is DataField data ? [data] : Children(field).SelectMany(Leaves);
}
