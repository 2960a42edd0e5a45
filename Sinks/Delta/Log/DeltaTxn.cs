namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The <c>txn</c> action: the latest <see cref="Version"/> an application (<see cref="AppId"/>) committed. A writer
/// that finds its version there already skips the batch: how a replayed epoch becomes a no-op.
/// </summary>
internal sealed record DeltaTxn
{
    public string AppId { get; init; } = "";

    public long Version { get; init; }

    /// <summary>Epoch milliseconds.</summary>
    public long? LastUpdated { get; init; }
}
