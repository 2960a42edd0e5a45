namespace KinesisGrains.KeyedState.Timers;

/// <summary>A due timer; <see cref="Stored"/> when the store holds it (else it was registered since the last write).</summary>
internal readonly record struct DueTimer(long Time, byte Purpose, string Key, bool Stored);
