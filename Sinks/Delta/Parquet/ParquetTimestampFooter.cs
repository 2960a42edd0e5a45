using System.Buffers.Binary;
using System.Reflection;
using Parquet;
using Parquet.Meta;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Marks INT64 columns of a written Parquet file as <c>TIMESTAMP(MICROS, isAdjustedToUTC=true)</c> by rewriting its
/// footer. Why: Parquet.Net 6.1.0 writes the min/max statistics of a MICROS timestamp column in milliseconds
/// (aloneguid/parquet-dotnet#769), and readers that prune by statistics (DuckDB, Spark) then drop rows of a
/// <c>WHERE ts &gt;= ...</c>. Written as plain INT64 micros, the statistics (footer and page headers) are right; only the
/// logical type in the footer changes, which moves no byte of the data. Parquet.Net keeps its Thrift writer internal,
/// hence the reflection; a test pins it to the package version.
/// </summary>
internal static class ParquetTimestampFooter
{
    private static readonly byte[] s_magic = "PAR1"u8.ToArray();

    private static readonly System.Type s_protocolWriter = typeof(ParquetReader).Assembly.GetType("Parquet.Meta.Proto.ThriftCompactProtocolWriter", throwOnError: true)!;

    private static readonly MethodInfo s_write = typeof(FileMetaData).GetMethod("Write", BindingFlags.Instance | BindingFlags.NonPublic, [s_protocolWriter])
        ?? throw new MissingMethodException("Parquet.Net's FileMetaData.Write(ThriftCompactProtocolWriter) is gone: check ParquetTimestampFooter against the new version.");

    /// <param name="leafPaths">Schema paths of the columns, joined with '/' as Parquet.Net's <c>Path</c> has them (<c>eventTime</c>, <c>byDay/key_value/value</c>).</param>
    public static async Task<byte[]> MarkAsync(byte[] file, IReadOnlySet<string> leafPaths, CancellationToken cancellationToken)
    {
        if (leafPaths.Count == 0)
        {
            return file;
        }

        FileMetaData metadata;
        using (var stream = new MemoryStream(file, writable: false))
        await using (var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken))
        {
            metadata = reader.Metadata ?? throw new InvalidDataException("The Parquet file just written has no footer.");
        }

        var marked = 0;
        var index = 1; // element 0 is the root
        Walk(metadata.Schema, ref index, metadata.Schema[0].NumChildren ?? 0, "", leafPaths, ref marked);
        if (marked != leafPaths.Count)
        {
            throw new InvalidOperationException($"Found {marked} of the timestamp columns {string.Join(", ", leafPaths)} in the Parquet footer.");
        }

        using var footer = new MemoryStream();
        s_write.Invoke(metadata, [Activator.CreateInstance(s_protocolWriter, footer)]);

        var oldFooterLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8, 4));
        var dataEnd = file.Length - 8 - oldFooterLength;
        var result = new byte[dataEnd + footer.Length + 8];
        file.AsSpan(0, dataEnd).CopyTo(result);
        footer.GetBuffer().AsSpan(0, (int)footer.Length).CopyTo(result.AsSpan(dataEnd));
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(result.Length - 8, 4), (int)footer.Length);
        s_magic.CopyTo(result.AsSpan(result.Length - 4));
        return result;
    }

    private static void Walk(List<SchemaElement> schema, ref int index, int children, string prefix, IReadOnlySet<string> leafPaths, ref int marked)
    {
        for (var i = 0; i < children; i++)
        {
            var element = schema[index++];
            var path = prefix.Length == 0 ? element.Name : $"{prefix}/{element.Name}";
            if (element.NumChildren is > 0)
            {
                Walk(schema, ref index, element.NumChildren.Value, path, leafPaths, ref marked);
            }
            else if (leafPaths.Contains(path))
            {
                if (element.Type != Parquet.Meta.Type.INT64)
                {
                    throw new InvalidOperationException($"Parquet column '{path}' is {element.Type}, not INT64.");
                }

                element.LogicalType = new LogicalType { TIMESTAMP = new TimestampType { IsAdjustedToUTC = true, Unit = new TimeUnit { MICROS = new MicroSeconds() } } };
                element.ConvertedType = ConvertedType.TIMESTAMP_MICROS;
                marked++;
            }
        }
    }
}
