namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// The lease table's claim that one silo alone runs the application (a silo with no membership table to meet others
/// through): who holds it and when it last renewed it.
/// </summary>
internal sealed record SiloClaim(string SiloId, DateTimeOffset Heartbeat)
{
    /// <summary>Whether the holder stopped renewing it: it is gone (or hung) and another silo may take the claim.</summary>
    public bool HasLapsed(DateTimeOffset now, TimeSpan lapse) => now - Heartbeat > lapse;
}
