namespace KinesisGrains.Sinks.Delta;

/// <summary>The <c>metaData</c> action: the table's id, schema, partition columns and configuration.</summary>
internal sealed record DeltaMetadata
{
    public string Id { get; init; } = "";

    public string? Name { get; init; }

    public string? Description { get; init; }

    public DeltaFormat Format { get; init; } = new();

    /// <summary>The schema as JSON text (<see cref="DeltaSchemaJson"/>).</summary>
    public string SchemaString { get; init; } = "";

    public IReadOnlyList<string> PartitionColumns { get; init; } = [];

    /// <summary>Table properties (<c>delta.appendOnly</c>, ...).</summary>
    public IReadOnlyDictionary<string, string> Configuration { get; init; } = new Dictionary<string, string>();

    /// <summary>Epoch milliseconds.</summary>
    public long? CreatedTime { get; init; }

    public bool Equals(DeltaMetadata? other) =>
        other is not null && Id == other.Id && SchemaString == other.SchemaString && Name == other.Name && Description == other.Description
        && PartitionColumns.SequenceEqual(other.PartitionColumns)
        && Configuration.Count == other.Configuration.Count
        && Configuration.All(p => other.Configuration.TryGetValue(p.Key, out var v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(Id, SchemaString);
}
