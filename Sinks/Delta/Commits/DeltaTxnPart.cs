namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// One writer's share of a commit: <see cref="Adds"/> under the txn (<see cref="AppId"/>, <see cref="Version"/>). It is
/// committed at most once: a part whose appId has a txn version at or above its own is already in the table.
/// </summary>
/// <param name="Adds">Files uploaded for it; none for an epoch without rows (the txn alone still records it).</param>
[GenerateSerializer, Immutable]
internal sealed record DeltaTxnPart([property: Id(0)] string AppId, [property: Id(1)] long Version, [property: Id(2)] IReadOnlyList<DeltaAddFile> Adds);
