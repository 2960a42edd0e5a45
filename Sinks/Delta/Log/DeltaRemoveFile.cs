namespace KinesisGrains.Sinks.Delta;

/// <summary>The <c>remove</c> action: a data file that is no longer part of the table (a tombstone, until vacuum deletes the file).</summary>
internal sealed record DeltaRemoveFile
{
    public string Path { get; init; } = "";

    /// <summary>Epoch milliseconds; vacuum deletes the file once this is older than the retention.</summary>
    public long? DeletionTimestamp { get; init; }

    public bool DataChange { get; init; }

    public bool? ExtendedFileMetadata { get; init; }

    public IReadOnlyDictionary<string, string?>? PartitionValues { get; init; }

    public long? Size { get; init; }

    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}
