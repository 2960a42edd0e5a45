namespace KinesisGrains.Abstractions.Sinks;

/// <summary>What a sink takes from a keyed state.</summary>
public enum SinkOutputKind
{
    /// <summary>The rows the state's logic emitted (<c>Emit(row)</c>), in the order it emitted them.</summary>
    Emitted,

    /// <summary>The latest state of every key changed in an epoch (an upsert stream): one row per changed key.</summary>
    Changelog,
}
