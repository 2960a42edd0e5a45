using System.Text.Json;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Abstractions.Serialization;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Kinesis takes any 1–256 character partition key, whitespace-only ones included, and the silo keeps their state;
/// Orleans refuses them as grain keys, yet the client API, <c>kgrains query</c> and <c>kgrains verify</c> reach them.
/// </summary>
public sealed class WhitespaceKeyTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    // Whitespace-only keys, a key that starts with the escape marker (escaped too), and an ordinary key (not escaped).
    private static readonly (string Key, int Events)[] s_keys = [(" ", 3), ("\t", 2), ("  ", 4), (StateKeyGrainKey.Marker + "0020", 1), ("user-1", 2)];

    [Fact]
    public async Task Whitespace_only_partition_keys_are_queried_with_exact_totals_through_the_client_and_kgrains()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var (truth, records) = await ProduceAsync(stream);
        var truthPath = Path.Combine(data.Path, "truth.json");
        truth.Save(truthPath);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, Path.Combine(data.Path, "silo")));
        await LocalCluster.WaitForCaughtUpAsync(silo, records);

        await using (var connection = await LocalCluster.ConnectAsync(silo))
        {
            foreach (var (key, events) in s_keys)
            {
                var summary = await connection.Client.GetUserActivity(key).GetSummaryAsync();
                Assert.Equal(key, summary.UserId);
                Assert.Equal(events, summary.EventCount);
                Assert.Null(GroundTruth.Compare(truth.Users[key], summary));
            }

            // An ordinary key is still reached by the plain GetGrain, as the README shows.
            Assert.Equal(2, (await connection.Client.GetGrain<IUserActivity>("user-1").GetSummaryAsync()).EventCount);
        }

        string[] gateway = ["--gateway", silo.GatewayPort.ToString(), "--cluster-id", silo.ClusterId];
        var verify = await KgrainsProcess.RunAsync(["verify", .. gateway, "--truth", truthPath], data.Path, s_limit);
        AssertExitedCleanly("verify", verify);
        Assert.Contains($"Verified {s_keys.Length} users ({records} events) against the ground truth", verify.Stdout);

        var query = await KgrainsProcess.RunAsync(["query", .. gateway, "--json", " ", "\t", "  "], data.Path, s_limit);
        AssertExitedCleanly("query", query);
        using var json = JsonDocument.Parse(query.Stdout);
        var totals = json.RootElement.EnumerateArray().Select(s => (s.GetProperty("userId").GetString(), s.GetProperty("eventCount").GetInt64()));
        Assert.Equal([(" ", 3L), ("\t", 2L), ("  ", 4L)], totals);
    }

    /// <summary>Puts every key's events with the key as partition key; the truth counts exactly what was put.</summary>
    private async Task<(GroundTruth Truth, int Records)> ProduceAsync(string stream)
    {
        var truth = new GroundTruth();
        var entries = new List<PutRecordsRequestEntry>();
        var start = DateTimeOffset.Parse("2026-11-29T10:00:00Z");
        foreach (var (key, events) in s_keys)
        {
            for (var i = 0; i < events; i++)
            {
                var item = new ClickEvent(key, i % 2 == 0 ? "view" : "click", 100 + entries.Count, start.AddSeconds(entries.Count));
                truth.Add(item);
                entries.Add(new(JsonSerializer.SerializeToUtf8Bytes(item, StateSerializer.Options), key));
            }
        }

        var response = await cluster.Kinesis.PutRecordsAsync(stream, entries);
        Assert.All(response.Records, r => Assert.True(r.IsSuccess));
        return (truth, entries.Count);
    }

    private static void AssertExitedCleanly(string command, (int ExitCode, string Stdout, string Stderr) run)
    {
        Assert.True(run.ExitCode == 0, $"kgrains {command} exited {run.ExitCode}: {run.Stderr}{run.Stdout}");
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("error:", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("kgrains:", run.Stderr, StringComparison.Ordinal);
    }
}
