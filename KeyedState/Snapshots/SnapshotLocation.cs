namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Where an application's snapshots live, from what its silos are configured with: the S3 prefix
/// <c>{Snapshots:Prefix}/{application}/{incarnation}</c> (the incarnation is the stream's creation time, so a recreated
/// stream never mixes with the old one's state), the pointer rows' key prefix in <c>{application}-snapshots</c>, and the
/// savepoints under the same prefix. The silo and <c>kgrains savepoint</c> both resolve it here.
/// </summary>
internal static class SnapshotLocation
{
    /// <summary>The S3 prefix of the application's partitions for one incarnation of its stream.</summary>
    /// <param name="configuredPrefix">Snapshots:Prefix as configured (the pinned fact); empty: the bucket root.</param>
    public static string Prefix(string? configuredPrefix, string application, string incarnation) =>
        string.IsNullOrEmpty(configuredPrefix)
            ? $"{application}/{incarnation}"
            : $"{configuredPrefix.Trim('/')}/{application}/{incarnation}";

    /// <summary>The snapshot pointer table of an application.</summary>
    public static string FenceTable(string application) => $"{application}-snapshots";

    /// <summary>The key prefix of the partitions' pointer rows: the bucket and the resolved prefix.</summary>
    public static string FenceKeyPrefix(string bucket, string prefix) => $"{bucket}/{prefix}/";

    /// <summary>The folder of the savepoints' descriptors (no partition id can be <c>savepoints</c>: they contain <c>.p-</c>).</summary>
    public static string Savepoints(string prefix) => $"{prefix}/savepoints/";
}
