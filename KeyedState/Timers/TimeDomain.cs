namespace KinesisGrains.KeyedState.Timers;

/// <summary>The clock a timer or a time-to-live follows.</summary>
public enum TimeDomain : byte
{
    /// <summary>The partition's event-time watermark: deterministic on replay, stands still while no events come.</summary>
    EventTime = 0,

    /// <summary>The silo's wall clock: keeps running during an outage; a timer due at a restore fires at once.</summary>
    ProcessingTime = 1,
}
