using Orleans;

namespace KinesisGrains.DynamoDB.Tests.Support;

/// <summary>A typical small grain state: settings of an alert.</summary>
[GenerateSerializer]
public sealed class AlertSettings
{
    [Id(0)]
    public string Name { get; set; } = "";

    [Id(1)]
    public double Threshold { get; set; }

    [Id(2)]
    public bool Enabled { get; set; }

    [Id(3)]
    public List<string> Recipients { get; set; } = [];

    [Id(4)]
    public Dictionary<string, int> Limits { get; set; } = [];

    [Id(5)]
    public DateTimeOffset? UpdatedAt { get; set; }
}
