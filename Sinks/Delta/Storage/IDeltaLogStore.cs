namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Where a table's commit files live and how a writer gets a version to itself: S3 alone cannot say "create N.json only
/// if no one else did" without conditional writes, so the mechanism is chosen per deployment (and every writer of a
/// table must use the same one: mixing them can lose commits).
/// </summary>
internal interface IDeltaLogStore
{
    /// <summary>Commit and checkpoint files after <paramref name="afterVersion"/> (-1 for all), ascending.</summary>
    Task<DeltaLogListing> ListAsync(long afterVersion, CancellationToken cancellationToken);

    /// <returns>The commit file, or null when it does not exist.</returns>
    Task<byte[]?> ReadCommitAsync(long version, CancellationToken cancellationToken);

    /// <summary>Writes <c>N.json</c> unless it exists; once this returns true, every reader sees the commit.</summary>
    /// <returns>False when another writer has the version.</returns>
    Task<bool> TryWriteCommitAsync(long version, byte[] content, CancellationToken cancellationToken);
}
