namespace KinesisGrains.Sinks.Delta;

/// <summary>What <see cref="DeltaTable.OptimizeAsync"/> did.</summary>
/// <param name="Version">The commit of removes and adds (all <c>dataChange: false</c>); null when there was nothing to compact.</param>
/// <param name="Skipped">Why the table was not looked at (a merge table); null when it was.</param>
internal sealed record DeltaOptimizeResult(long? Version, int FilesRemoved, int FilesAdded, long BytesRemoved, long BytesAdded, int PartitionsOptimized, long Rows, string? Skipped = null);
