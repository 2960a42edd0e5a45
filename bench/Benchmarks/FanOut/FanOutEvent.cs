namespace KinesisGrains.Benchmarks.FanOut;

/// <summary>A record of the fan-out benchmark: its key and padding to the record size asked for.</summary>
public sealed record FanOutEvent(string Key, string Padding);
