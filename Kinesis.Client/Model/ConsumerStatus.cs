namespace KinesisGrains.Kinesis.Client;

/// <summary>Lifecycle state of an enhanced fan-out consumer (<c>ConsumerStatus</c> on the wire).</summary>
public enum ConsumerStatus
{
    /// <summary>A value this client does not know.</summary>
    Unknown,
    Creating,
    Deleting,
    Active,
}
