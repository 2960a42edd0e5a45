using Orleans;

namespace KinesisGrains.DynamoDB.Tests.Support;

/// <summary>The state holder a grain's state bridge hands the storage, here for <see cref="AlertSettings"/>.</summary>
public sealed class AlertSettingsState : IGrainState<AlertSettings>
{
    public AlertSettings State { get; set; } = new();

    // The storage never sets null; a test that sees one fails on the null, not later.
    AlertSettings? IGrainState<AlertSettings>.State
    {
        get => State;
        set => State = value ?? throw new ArgumentNullException(nameof(value), "The storage set the state to null.");
    }

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }
}
