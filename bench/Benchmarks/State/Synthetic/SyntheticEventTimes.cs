namespace KinesisGrains.Benchmarks.State.Synthetic;

/// <summary>
/// The event times of a load: event i happened at <see cref="TimeOf"/>(i) (ms since the Unix epoch, rising with i, so
/// each shard reads its events in time order and its watermark is the newest it read). After its last read each shard
/// sends every partition <see cref="FinalWatermark"/>, as a quiet shard's watermark moves on, so every window closes.
/// </summary>
internal sealed record SyntheticEventTimes(Func<long, long> TimeOf, long FinalWatermark);
