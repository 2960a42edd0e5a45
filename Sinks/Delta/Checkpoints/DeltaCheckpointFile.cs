using Parquet.Schema;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A classic single-part checkpoint (<c>N.checkpoint.parquet</c>, PROTOCOL.md, Checkpoint Schema): one row per action,
/// in struct columns <c>txn</c>, <c>add</c>, <c>remove</c>, <c>metaData</c>, <c>protocol</c> (no commitInfo).
/// Written with <see cref="ParquetRowWriter"/>; read back by field name, so Spark's checkpoints (with more columns) read too.
/// </summary>
internal static class DeltaCheckpointFile
{
    private static readonly HashSet<string> s_read =
    [
        "txn", "txn.appId", "txn.version", "txn.lastUpdated",
        "add", "add.path", "add.partitionValues", "add.size", "add.modificationTime", "add.dataChange", "add.stats", "add.tags",
        "remove", "remove.path", "remove.deletionTimestamp", "remove.dataChange", "remove.extendedFileMetadata", "remove.partitionValues", "remove.size", "remove.tags",
        "metaData", "metaData.id", "metaData.name", "metaData.description", "metaData.format", "metaData.format.provider", "metaData.format.options",
        "metaData.schemaString", "metaData.partitionColumns", "metaData.configuration", "metaData.createdTime",
        "protocol", "protocol.minReaderVersion", "protocol.minWriterVersion", "protocol.readerFeatures", "protocol.writerFeatures",
    ];

    private static ParquetSchema Schema() => new(
        new StructField("txn", Str("appId"), Long("version"), Long("lastUpdated")),
        new StructField("add", Str("path"), StringMap("partitionValues"), Long("size"), Long("modificationTime"), Bool("dataChange"), Str("stats"), StringMap("tags")),
        new StructField("remove", Str("path"), Long("deletionTimestamp"), Bool("dataChange"), Bool("extendedFileMetadata"), StringMap("partitionValues"), Long("size"), StringMap("tags")),
        new StructField(
            "metaData", Str("id"), Str("name"), Str("description"), new StructField("format", Str("provider"), StringMap("options")),
            Str("schemaString"), new ListField("partitionColumns", new DataField("element", typeof(string), true)), StringMap("configuration"), Long("createdTime")),
        new StructField("protocol", new DataField("minReaderVersion", typeof(int), true), new DataField("minWriterVersion", typeof(int), true)));

    public static async Task<byte[]> WriteAsync(IEnumerable<DeltaAction> actions, CancellationToken cancellationToken)
    {
        var writer = new ParquetRowWriter(Schema());
        foreach (var action in actions)
        {
            writer.Add(Row(action));
        }

        return await writer.ToFileAsync(new Parquet.ParquetOptions { CompressionMethod = Parquet.CompressionMethod.Snappy, CompressionLevel = System.IO.Compression.CompressionLevel.Optimal }, cancellationToken);
    }

    public static async Task<List<DeltaAction>> ReadAsync(byte[] file, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(file, writable: false);
        var rows = await ParquetRowReader.ReadAsync(stream, s_read.Contains, cancellationToken);
        var actions = new List<DeltaAction>(rows.Count);
        foreach (var row in rows)
        {
            actions.Add(new DeltaAction
            {
                Txn = Struct(row, "txn") is { } t ? new DeltaTxn { AppId = Text(t, "appId") ?? "", Version = Long(t, "version") ?? 0, LastUpdated = Long(t, "lastUpdated") } : null,
                Add = Struct(row, "add") is { } a ? new DeltaAddFile
                {
                    Path = Text(a, "path") ?? "",
                    PartitionValues = NullableMap(a, "partitionValues") ?? new Dictionary<string, string?>(),
                    Size = Long(a, "size") ?? 0,
                    ModificationTime = Long(a, "modificationTime") ?? 0,
                    DataChange = a.GetValueOrDefault("dataChange") is true,
                    Stats = Text(a, "stats"),
                    Tags = Map(a, "tags"),
                } : null,
                Remove = Struct(row, "remove") is { } r ? new DeltaRemoveFile
                {
                    Path = Text(r, "path") ?? "",
                    DeletionTimestamp = Long(r, "deletionTimestamp"),
                    DataChange = r.GetValueOrDefault("dataChange") is true,
                    ExtendedFileMetadata = r.GetValueOrDefault("extendedFileMetadata") as bool?,
                    PartitionValues = NullableMap(r, "partitionValues"),
                    Size = Long(r, "size"),
                    Tags = Map(r, "tags"),
                } : null,
                Metadata = Struct(row, "metaData") is { } m ? new DeltaMetadata
                {
                    Id = Text(m, "id") ?? "",
                    Name = Text(m, "name"),
                    Description = Text(m, "description"),
                    Format = Struct(m, "format") is { } f ? new DeltaFormat { Provider = Text(f, "provider") ?? "parquet", Options = Map(f, "options") ?? new Dictionary<string, string>() } : new DeltaFormat(),
                    SchemaString = Text(m, "schemaString") ?? "",
                    PartitionColumns = m.GetValueOrDefault("partitionColumns") is List<object?> columns ? [.. columns.Select(c => c?.ToString() ?? "")] : [],
                    Configuration = Map(m, "configuration") ?? new Dictionary<string, string>(),
                    CreatedTime = Long(m, "createdTime"),
                } : null,
                Protocol = Struct(row, "protocol") is { } p ? new DeltaProtocol
                {
                    MinReaderVersion = (int)(Long(p, "minReaderVersion") ?? 0),
                    MinWriterVersion = (int)(Long(p, "minWriterVersion") ?? 0),
                    ReaderFeatures = p.GetValueOrDefault("readerFeatures") is List<object?> rf ? [.. rf.Select(x => x?.ToString() ?? "")] : null,
                    WriterFeatures = p.GetValueOrDefault("writerFeatures") is List<object?> wf ? [.. wf.Select(x => x?.ToString() ?? "")] : null,
                } : null,
            });
        }

        return actions;
    }

    private static object?[] Row(DeltaAction action) =>
    [
        action.Txn is { } t ? new object?[] { t.AppId, t.Version, t.LastUpdated } : null,
        action.Add is { } a ? new object?[] { a.Path, Entries(a.PartitionValues), a.Size, a.ModificationTime, a.DataChange, a.Stats, Entries(a.Tags) } : null,
        action.Remove is { } r ? new object?[] { r.Path, r.DeletionTimestamp, r.DataChange, r.ExtendedFileMetadata, Entries(r.PartitionValues), r.Size, Entries(r.Tags) } : null,
        action.Metadata is { } m ? new object?[]
        {
            m.Id, m.Name, m.Description, new object?[] { m.Format.Provider, Entries(m.Format.Options) }, m.SchemaString,
            m.PartitionColumns.Cast<object?>().ToList(), Entries(m.Configuration), m.CreatedTime,
        } : null,
        action.Protocol is { } p ? new object?[] { p.MinReaderVersion, p.MinWriterVersion } : null,
    ];

    private static List<KeyValuePair<string, object?>>? Entries<TValue>(IReadOnlyDictionary<string, TValue>? map) =>
        map?.Select(e => new KeyValuePair<string, object?>(e.Key, e.Value)).ToList();

    private static DataField Str(string name) => new(name, typeof(string), true);

    private static DataField Long(string name) => new(name, typeof(long), true);

    private static DataField Bool(string name) => new(name, typeof(bool), true);

    private static MapField StringMap(string name) => new(name, new DataField<string>("key", false), new DataField("value", typeof(string), true));

    private static Dictionary<string, object?>? Struct(Dictionary<string, object?> parent, string name) => parent.GetValueOrDefault(name) as Dictionary<string, object?>;

    private static string? Text(Dictionary<string, object?> parent, string name) => parent.GetValueOrDefault(name)?.ToString();

    private static long? Long(Dictionary<string, object?> parent, string name) => parent.GetValueOrDefault(name) switch
    {
        long l => l,
        int i => i,
        short s => s,
        _ => null,
    };

    private static Dictionary<string, string?>? NullableMap(Dictionary<string, object?> parent, string name) =>
        parent.GetValueOrDefault(name) is List<KeyValuePair<string, object?>> entries ? entries.ToDictionary(e => e.Key, e => e.Value?.ToString()) : null;

    private static Dictionary<string, string>? Map(Dictionary<string, object?> parent, string name) =>
        parent.GetValueOrDefault(name) is List<KeyValuePair<string, object?>> entries ? entries.ToDictionary(e => e.Key, e => e.Value?.ToString() ?? "") : null;
}
