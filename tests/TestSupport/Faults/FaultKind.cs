namespace KinesisGrains.Testing.Faults;

/// <summary>How <see cref="FaultInjectingProxy"/> applies a <see cref="Fault"/>.</summary>
public enum FaultKind
{
    /// <summary>Answers itself with an error; the target never sees the request.</summary>
    Respond,

    /// <summary>Holds the request for a while, then forwards it.</summary>
    Delay,

    /// <summary>Aborts the connection without an answer.</summary>
    Disconnect,
}
