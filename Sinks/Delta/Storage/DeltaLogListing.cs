namespace KinesisGrains.Sinks.Delta;

/// <summary>The log files a store lists after a version: commit versions and classic checkpoint versions, ascending.</summary>
internal sealed record DeltaLogListing(IReadOnlyList<long> Commits, IReadOnlyList<long> Checkpoints);
