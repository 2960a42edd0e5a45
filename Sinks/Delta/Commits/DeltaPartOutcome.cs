namespace KinesisGrains.Sinks.Delta;

/// <summary>What became of a <see cref="DeltaTxnPart"/>.</summary>
/// <param name="CommittedNow">True when this call committed it; false when it was in the table before (its files were not added).</param>
/// <param name="TableVersion">The table version this call committed it in; null when it was committed before.</param>
[GenerateSerializer, Immutable]
internal sealed record DeltaPartOutcome([property: Id(0)] string AppId, [property: Id(1)] long Version, [property: Id(2)] bool CommittedNow, [property: Id(3)] long? TableVersion);
