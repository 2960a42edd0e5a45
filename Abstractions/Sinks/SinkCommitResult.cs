namespace KinesisGrains.Abstractions.Sinks;

/// <summary>What a sink did with a <see cref="SinkEpochBatch"/>.</summary>
/// <param name="AlreadyCommitted">True when the epoch had been committed before (a batch handed over again): nothing was written.</param>
/// <param name="RowsWritten">Rows the sink wrote for this batch.</param>
/// <param name="Version">The sink's own version the batch went into (a Delta table version), when it has one.</param>
/// <param name="Duration">From the call to the commit.</param>
public sealed record SinkCommitResult(bool AlreadyCommitted, int RowsWritten, long? Version, TimeSpan Duration);
