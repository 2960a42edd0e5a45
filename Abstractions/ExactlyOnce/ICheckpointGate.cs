namespace KinesisGrains.Abstractions.ExactlyOnce;

/// <summary>
/// The one seam between the stream provider and keyed state: the checkpoint barrier as the provider sees it: makes
/// the state applied so far durable and says which shards it cannot vouch for. The source moves a shard's
/// checkpoint only past reads delivered before a completed barrier that found no gap in that shard.
/// </summary>
internal interface ICheckpointGate
{
    /// <param name="deliveries">Each source shard's delivered position and, per partition, the end of the last batch it was sent.</param>
    /// <returns>The gaps: shards some partition cannot vouch for, with where it holds them up to (replay from there).</returns>
    Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken);

    /// <summary>
    /// Deactivates the partitions active on this silo, each after a final snapshot, and returns once they are gone or
    /// a wait within a control call's response time ended: the next activation restores from the snapshot pointers (a
    /// live reset changes them in between).
    /// </summary>
    Task<PartitionHandOver> HandOverAsync(CancellationToken cancellationToken) => Task.FromResult(new PartitionHandOver(0, 0));

    /// <summary>Waits some more for the hand-overs still under way; returns how many are left.</summary>
    Task<int> AwaitHandOverAsync(CancellationToken cancellationToken) => Task.FromResult(0);

    /// <summary>
    /// The application's partition count changed (a live rescale, after <see cref="HandOverAsync"/> and while no
    /// receiver runs): what the gate's side keeps of P follows, so queries route keys by the new count.
    /// </summary>
    void PartitionCountChanged(int partitionCount)
    {
    }
}
