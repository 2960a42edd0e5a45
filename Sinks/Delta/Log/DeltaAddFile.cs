namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The <c>add</c> action: a data file that is part of the table from this version on. <see cref="Path"/> is relative to
/// the table root and URI-encoded; <see cref="PartitionValues"/> hold the partition columns' values (null for null).
/// </summary>
[GenerateSerializer, Immutable]
internal sealed record DeltaAddFile
{
    [Id(0)]
    public string Path { get; init; } = "";

    [Id(1)]
    public IReadOnlyDictionary<string, string?> PartitionValues { get; init; } = new Dictionary<string, string?>();

    /// <summary>The file's exact size in bytes.</summary>
    [Id(2)]
    public long Size { get; init; }

    /// <summary>Epoch milliseconds.</summary>
    [Id(3)]
    public long ModificationTime { get; init; }

    /// <summary>False for a rewrite that changes no data (optimize).</summary>
    [Id(4)]
    public bool DataChange { get; init; }

    /// <summary>Per-file statistics as JSON text (<see cref="DeltaFileStats"/>).</summary>
    [Id(5)]
    public string? Stats { get; init; }

    [Id(6)]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The record count of <see cref="Stats"/>, when it has one.</summary>
    public long? NumRecords => DeltaFileStats.NumRecords(Stats);
}
