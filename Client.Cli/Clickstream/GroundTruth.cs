using Orleans;
using System.Text.Json;
using KinesisGrains.Cli.Output;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.Cli.Clickstream;

/// <summary>What every user's aggregate must be once all acknowledged events are processed; saved as JSON.</summary>
public sealed class GroundTruth
{
    public Dictionary<string, UserActivitySummary> Users { get; init; } = new(StringComparer.Ordinal);

    public long Events { get; set; }

    public void Add(ClickEvent item)
    {
        Events++;
        var current = Users.GetValueOrDefault(item.UserId)
            ?? new UserActivitySummary(item.UserId, 0, 0, null, null, new Dictionary<string, long>(StringComparer.Ordinal));
        var byType = new Dictionary<string, long>(current.EventsByType, StringComparer.Ordinal);
        byType[item.Type] = byType.GetValueOrDefault(item.Type) + 1;
        Users[item.UserId] = current with
        {
            EventCount = current.EventCount + 1,
            TotalBytes = current.TotalBytes + item.Bytes,
            FirstSeen = current.FirstSeen is { } first && first <= item.Timestamp ? first : item.Timestamp,
            LastSeen = current.LastSeen is { } last && last >= item.Timestamp ? last : item.Timestamp,
            EventsByType = byType,
        };
    }

    public void Save(string path) => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, StateSerializer.Options));

    public static GroundTruth Load(string path) =>
        JsonSerializer.Deserialize<GroundTruth>(File.ReadAllBytes(path), StateSerializer.Options)
        ?? throw new InvalidDataException($"'{path}' holds no ground truth.");

    /// <summary>Null when <paramref name="actual"/> equals the truth, else what differs.</summary>
    public static string? Compare(UserActivitySummary expected, UserActivitySummary actual)
    {
        var differences = new List<string>();
        if (expected.EventCount != actual.EventCount)
        {
            differences.Add($"events {actual.EventCount} != {expected.EventCount}");
        }

        if (expected.TotalBytes != actual.TotalBytes)
        {
            differences.Add($"bytes {actual.TotalBytes} != {expected.TotalBytes}");
        }

        if (expected.FirstSeen != actual.FirstSeen || expected.LastSeen != actual.LastSeen)
        {
            differences.Add($"seen {actual.FirstSeen:O}..{actual.LastSeen:O} != {expected.FirstSeen:O}..{expected.LastSeen:O}");
        }

        var types = expected.EventsByType.Keys.Union(actual.EventsByType.Keys);
        foreach (var type in types)
        {
            var want = expected.EventsByType.GetValueOrDefault(type);
            var got = actual.EventsByType.GetValueOrDefault(type);
            if (want != got)
            {
                differences.Add($"{type} {got} != {want}");
            }
        }

        return differences.Count == 0 ? null : string.Join(", ", differences);
    }

    /// <summary>Every user whose grain differs from the truth, with what differs.</summary>
    public async Task<List<string>> VerifyAsync(IGrainFactory grains, CancellationToken cancellationToken) =>
        (await CompareAllAsync(grains, cancellationToken)).Mismatches;

    /// <summary>
    /// Verifies every second until every user matches or <paramref name="timeout"/> passes, while records are still
    /// being read; an over-count can never heal by waiting, so it returns at once.
    /// </summary>
    /// <returns>The mismatches of the last pass (empty: exact).</returns>
    public async Task<List<string>> VerifyUntilExactAsync(IGrainFactory grains, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (mismatches, overCounted) = await CompareAllAsync(grains, cancellationToken);
            if (mismatches.Count == 0 || overCounted || DateTime.UtcNow > deadline)
            {
                return mismatches;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private async Task<(List<string> Mismatches, bool OverCounted)> CompareAllAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var mismatches = new List<string>();
        var overCounted = false;
        await Parallel.ForEachAsync(Users.Values, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (want, token) =>
        {
            // A silo failing over makes calls fail for a few seconds: retried, not reported as a mismatch.
            // GetUserActivity, not GetGrain: a user id may be a partition key Orleans refuses as a grain key (" ").
            var got = await ClusterCallRetry.RunAsync(() => grains.GetUserActivity(want.UserId).GetSummaryAsync(), cancellationToken: token);
            if (GroundTruth.Compare(want, got) is { } difference)
            {
                lock (mismatches)
                {
                    mismatches.Add($"{KeyText.Of(want.UserId)}: {difference}");
                    overCounted |= got.EventCount > want.EventCount;
                }
            }
        });
        return (mismatches, overCounted);
    }
}
