using System.Globalization;
using KinesisGrains.KeyedState.Timers;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The names of what a partition stores in its snapshots' manifest metadata, beside the files: the shards' covered
/// positions, the epoch, and the time-to-live its keys had, so a reader without the grain's code (kgrains state export)
/// hides the keys a query would hide.
/// </summary>
internal static class SnapshotMetadata
{
    /// <summary>Followed by a shard id: the position the state holds everything of that shard up to.</summary>
    public const string CoveredPrefix = "covered:";

    /// <summary>The ledger's epoch: the last barrier the state was vouched at.</summary>
    public const string Epoch = "epoch";

    /// <summary>The state's time-to-live, <c>{milliseconds}:{domain}</c>; absent when keys never expire.</summary>
    public const string TimeToLive = "ttl";

    /// <summary>"true" when the partition grain merges parts of a key (a rescale may then bring several into one partition).</summary>
    public const string MergesParts = "merges-parts";

    /// <summary>
    /// The metadata of a partition's snapshot: the ledger's covered positions and epoch, whether its grain merges parts,
    /// and its time-to-live (<see cref="Format"/>) when keys expire. The grain writes it at each barrier, a rescale for
    /// the snapshots it cuts.
    /// </summary>
    public static Dictionary<string, string> Of(ExactlyOnce.PartitionLedger ledger, bool mergesParts, string? timeToLive)
    {
        var metadata = ledger.Shards
            .Where(p => p.Value.Covered is not null)
            .ToDictionary(p => CoveredPrefix + p.Key, p => p.Value.Covered!.Value.ToString(), StringComparer.Ordinal);
        metadata[Epoch] = ledger.Epoch.ToString(CultureInfo.InvariantCulture);
        if (mergesParts)
        {
            metadata[MergesParts] = "true";
        }

        if (timeToLive is not null)
        {
            // For readers without the grain's code (kgrains state export): which keys a query would hide.
            metadata[TimeToLive] = timeToLive;
        }

        return metadata;
    }

    /// <summary>The covered position of each shard a manifest records (shard id to position text), by shard id.</summary>
    public static Dictionary<string, string> CoveredOf(IReadOnlyDictionary<string, string> metadata) =>
        metadata
            .Where(m => m.Key.StartsWith(CoveredPrefix, StringComparison.Ordinal))
            .OrderBy(m => m.Key, StringComparer.Ordinal)
            .ToDictionary(m => m.Key[CoveredPrefix.Length..], m => m.Value, StringComparer.Ordinal);

    public static string Format(StateTimeToLive ttl) =>
        string.Create(CultureInfo.InvariantCulture, $"{(long)ttl.After.TotalMilliseconds}:{ttl.Domain}");

    /// <summary>The time-to-live a manifest records; null when it has none or one this version cannot read.</summary>
    public static StateTimeToLive? TimeToLiveOf(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue(TimeToLive, out var text)
        && text.Split(':') is [var ms, var domain]
        && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
        && Enum.TryParse<TimeDomain>(domain, out var parsed)
            ? new StateTimeToLive(TimeSpan.FromMilliseconds(milliseconds), parsed)
            : null;
}
