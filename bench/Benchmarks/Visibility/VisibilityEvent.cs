namespace KinesisGrains.Benchmarks.Visibility;

/// <summary>A record stamped by the producer just before its PutRecords call (UTC ticks, the same machine's clock).</summary>
public sealed record VisibilityEvent(string Key, long PutAtTicks);
