namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Commits by S3 conditional writes (<c>If-None-Match: *</c>), as delta-rs does: the first PUT of <c>N.json</c> wins.
/// Needs S3 itself (or a store that honours the header: s3rver ignores it, so on s3rver two writers can overwrite each
/// other's commit: use <see cref="DynamoDBDeltaLogStore"/> there when more than one writer may race).
/// </summary>
internal sealed class S3DeltaLogStore(DeltaTableStorage storage) : IDeltaLogStore
{
    public async Task<DeltaLogListing> ListAsync(long afterVersion, CancellationToken cancellationToken)
    {
        var commits = new List<long>();
        var checkpoints = new List<long>();
        var startAfter = afterVersion >= 0 ? DeltaLogPaths.Commit(afterVersion) : null;
        await foreach (var item in storage.ListAsync(DeltaLogPaths.LogDirectory + "/", startAfter, cancellationToken))
        {
            if (DeltaLogPaths.Parse(item.Path[(DeltaLogPaths.LogDirectory.Length + 1)..]) is { } file && file.Version > afterVersion)
            {
                (file.IsCheckpoint ? checkpoints : commits).Add(file.Version);
            }
        }

        return new DeltaLogListing(commits, checkpoints);
    }

    public Task<byte[]?> ReadCommitAsync(long version, CancellationToken cancellationToken) =>
        storage.GetAsync(DeltaLogPaths.Commit(version), cancellationToken);

    public Task<bool> TryWriteCommitAsync(long version, byte[] content, CancellationToken cancellationToken) =>
        storage.PutIfAbsentAsync(DeltaLogPaths.Commit(version), content, cancellationToken);
}
