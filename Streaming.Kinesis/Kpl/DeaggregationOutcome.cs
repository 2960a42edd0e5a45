namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>What <see cref="KplDeaggregator.Deaggregate"/> did with one Kinesis record.</summary>
internal enum DeaggregationOutcome
{
    /// <summary>No KPL magic: emitted as one user record.</summary>
    Plain,

    /// <summary>A valid aggregate: every sub-record emitted in order.</summary>
    Aggregated,

    /// <summary>Had the magic but was not a valid aggregate: emitted whole as one plain user record, as the KCL does.</summary>
    CorruptPassedThrough,

    /// <summary>A valid aggregate with a sub-record outside the shard's hash range: nothing emitted (the KCL rule).</summary>
    DroppedOutsideShardRange,
}
