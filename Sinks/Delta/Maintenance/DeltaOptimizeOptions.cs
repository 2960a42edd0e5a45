namespace KinesisGrains.Sinks.Delta;

/// <summary>What <see cref="DeltaTable.OptimizeAsync"/> compacts.</summary>
internal sealed class DeltaOptimizeOptions
{
    /// <summary>Files smaller than this are compacted into files of up to this size; null for the table's <see cref="DeltaTableOptions.TargetFileSize"/>.</summary>
    public long? TargetFileSize { get; set; }

    /// <summary>A partition is compacted only when it has at least this many small files.</summary>
    public int MinFilesPerPartition { get; set; } = 2;
}
