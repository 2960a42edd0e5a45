namespace KinesisGrains.KeyedState.Timers;

/// <summary>A timer that fired: its clock and the time it was registered for (the clock has reached it).</summary>
public readonly record struct TimerFiring(TimeDomain Domain, DateTimeOffset Time);
