namespace KinesisGrains.Sinks.Delta;

/// <summary><c>metaData.format</c>: always Parquet.</summary>
internal sealed record DeltaFormat
{
    public string Provider { get; init; } = "parquet";

    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}
