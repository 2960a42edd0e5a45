namespace KinesisGrains.Tests.Support;

/// <summary>A keyed state with a column of every type a sink row holds.</summary>
public sealed class ActivityState
{
    public long Events { get; set; }

    public int? Sessions { get; set; }

    public double Ratio { get; set; }

    public bool Active { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    public string? Note { get; set; }

    public Dictionary<string, long> ByType { get; set; } = [];
}
