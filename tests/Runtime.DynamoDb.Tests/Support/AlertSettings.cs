namespace KinesisGrains.DynamoDb.Tests.Support;

/// <summary>A typical small grain state: settings of an alert.</summary>
public sealed class AlertSettings
{
    public string Name { get; set; } = "";

    public double Threshold { get; set; }

    public bool Enabled { get; set; }

    public List<string> Recipients { get; set; } = [];

    public Dictionary<string, int> Limits { get; set; } = [];

    public DateTimeOffset? UpdatedAt { get; set; }
}
