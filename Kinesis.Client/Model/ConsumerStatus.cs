namespace KinesisGrains.Kinesis.Client;

/// <summary>Lifecycle state of an enhanced fan-out consumer (<c>ConsumerStatus</c> on the wire).</summary>
public enum ConsumerStatus
{
    /// <summary>A value this client does not know.</summary>
    Unknown,
    /// <summary>Registered, not yet usable: SubscribeToShard refuses it.</summary>
    Creating,

    /// <summary>Being deregistered; it will not become active again.</summary>
    Deleting,

    /// <summary>Ready for SubscribeToShard.</summary>
    Active,
}
