namespace KinesisGrains.Abstractions.Monitoring;

public sealed record QueryStartedEvent(Guid Id, Guid RunId, string Name, string SiloId, DateTimeOffset Timestamp);

public sealed record QueryProgressEvent(StreamingQueryProgress Progress);

public sealed record QueryIdleEvent(Guid Id, Guid RunId, DateTimeOffset Timestamp);

/// <param name="Exception">Null for a graceful stop.</param>
public sealed record QueryTerminatedEvent(Guid Id, Guid RunId, DateTimeOffset Timestamp, string? Exception);
