namespace KinesisGrains.Streaming.Kinesis.Monitoring;

/// <summary>The tags the <c>KinesisGrains.Streaming</c> meter may put on measurements (the KCL's enabled dimensions).</summary>
[Flags]
public enum MetricDimensions
{
    /// <summary>No tags: one series per measurement for the whole silo.</summary>
    None = 0,

    /// <summary><c>stream</c>: the Kinesis stream name.</summary>
    Stream = 1,

    /// <summary><c>shard</c>: the shard id, on per-shard series (DETAILED only).</summary>
    Shard = 2,

    /// <summary><c>partition</c>: the state partition, on per-partition series (DETAILED only).</summary>
    Partition = 4,

    /// <summary><c>silo</c>: the silo id (a restarted silo keeps its id, so series continue).</summary>
    Silo = 8,

    /// <summary>Every dimension.</summary>
    All = Stream | Shard | Partition | Silo,
}
