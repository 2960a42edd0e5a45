namespace KinesisGrains.Kinesis.Client;

/// <summary>Lifecycle state of a stream (<c>StreamStatus</c> on the wire).</summary>
public enum StreamStatus
{
    /// <summary>A value this client does not know.</summary>
    Unknown,
    /// <summary>Being created; not yet readable.</summary>
    Creating,
    /// <summary>Being deleted.</summary>
    Deleting,
    /// <summary>Ready for reads and writes.</summary>
    Active,

    /// <summary>Resharding or another update is in progress; reads and writes keep working.</summary>
    Updating,
}
