namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>What a reset did.</summary>
/// <param name="ResetShards">Shards whose read position moved (now their origin).</param>
/// <param name="KeptShards">Shards that kept their position, now their origin (the state starts empty).</param>
/// <param name="StateGeneration">The state generation silos open from now on (0: no silo had started).</param>
/// <param name="Timestamp">The time the reset shards read from (AT_TIMESTAMP's, or LATEST's: the reset's); null for TRIM_HORIZON.</param>
internal sealed record ReadPositionResetResult(IReadOnlyList<string> ResetShards, IReadOnlyList<string> KeptShards, long StateGeneration, DateTimeOffset? Timestamp);
