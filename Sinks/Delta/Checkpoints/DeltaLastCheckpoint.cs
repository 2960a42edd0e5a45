namespace KinesisGrains.Sinks.Delta;

/// <summary><c>_delta_log/_last_checkpoint</c>: where a reader starts (PROTOCOL.md, Last Checkpoint File).</summary>
/// <param name="Size">The checkpoint's action count.</param>
internal sealed record DeltaLastCheckpoint(long Version, long Size);
