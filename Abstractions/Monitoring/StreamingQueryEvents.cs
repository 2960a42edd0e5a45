namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>The silo's stream provider started reading (<see cref="IStreamingQueryListener.OnQueryStarted"/>).</summary>
/// <param name="Id">The query's id: the same across restarts of the application.</param>
/// <param name="RunId">This run of the query: new at every start of a silo's provider.</param>
/// <param name="Name">The stream provider's name.</param>
/// <param name="SiloId">The silo that runs it.</param>
/// <param name="Timestamp">When it started.</param>
public sealed record QueryStartedEvent(Guid Id, Guid RunId, string Name, string SiloId, DateTimeOffset Timestamp);

/// <summary>A commit cycle's progress record (<see cref="IStreamingQueryListener.OnQueryProgress"/>).</summary>
/// <param name="Progress">What the cycle read, delivered and made durable.</param>
public sealed record QueryProgressEvent(StreamingQueryProgress Progress);

/// <summary>A commit cycle found nothing to read or deliver (<see cref="IStreamingQueryListener.OnQueryIdle"/>).</summary>
/// <param name="Id">The query's id.</param>
/// <param name="RunId">This run of the query.</param>
/// <param name="Timestamp">When the cycle ran.</param>
public sealed record QueryIdleEvent(Guid Id, Guid RunId, DateTimeOffset Timestamp);

/// <summary>The silo stopped reading (<see cref="IStreamingQueryListener.OnQueryTerminated"/>).</summary>
/// <param name="Id">The query's id.</param>
/// <param name="RunId">This run of the query.</param>
/// <param name="Timestamp">When it stopped.</param>
/// <param name="Exception">Null for a graceful stop.</param>
public sealed record QueryTerminatedEvent(Guid Id, Guid RunId, DateTimeOffset Timestamp, string? Exception);
