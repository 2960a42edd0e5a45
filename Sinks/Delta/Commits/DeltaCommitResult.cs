namespace KinesisGrains.Sinks.Delta;

/// <summary>What <see cref="DeltaTable.CommitAsync"/> did.</summary>
/// <param name="Version">The version it wrote; null when every part had been committed before.</param>
/// <param name="Parts">One per part, in the parts' order.</param>
/// <param name="Attempts">Versions tried (more than 1 after lost races).</param>
internal sealed record DeltaCommitResult(long? Version, IReadOnlyList<DeltaPartOutcome> Parts, int Attempts);
