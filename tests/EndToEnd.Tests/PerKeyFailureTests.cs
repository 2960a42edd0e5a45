using System.Text;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Bad events are dead-lettered with a reason that names the problem, never counted as zero, and lose nothing else.</summary>
public sealed class PerKeyFailureTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task An_overflow_a_missing_field_and_a_number_out_of_range_are_dead_lettered_and_leave_the_state_as_before()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        const string user = "overflow-user";
        await cluster.Kinesis.PutRecordsAsync(stream,
        [
            new(Json($$"""{"userId":"{{user}}","type":"view","bytes":9223372036854775000,"timestamp":"2026-11-29T10:00:00Z"}"""), user),
            new(Json($$"""{"userId":"{{user}}","type":"click","bytes":1000,"timestamp":"2026-11-29T10:00:01Z"}"""), user),
            new(Json($$"""{"userId":"{{user}}","type":"view","bytes":5,"timestamp":"2026-11-29T10:00:02Z"}"""), user),
            new(Json("""{"userId":"no-bytes","type":"view","timestamp":"2026-11-29T10:00:03Z"}"""), "no-bytes"),
            new(Json("""{"userId":"huge","type":"view","bytes":99999999999999999999,"timestamp":"2026-11-29T10:00:04Z"}"""), "huge"),
        ]);

        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path));
        await LocalCluster.WaitForCaughtUpAsync(silo, 5);
        await using var client = await LocalCluster.ConnectAsync(silo);

        // The overflowing click left the state exactly as after the first view; the next view applied on top of it.
        var summary = await client.GetGrain<IUserActivity>(user).GetSummaryAsync();
        Assert.Equal(2, summary.EventCount);
        Assert.Equal(9223372036854775005, summary.TotalBytes);
        Assert.Equal(new Dictionary<string, long> { ["view"] = 2 }, summary.EventsByType);
        Assert.Equal(DateTimeOffset.Parse("2026-11-29T10:00:02Z"), summary.LastSeen);
        Assert.Equal(0, (await client.GetGrain<IUserActivity>("no-bytes").GetSummaryAsync()).EventCount);
        Assert.Equal(0, (await client.GetGrain<IUserActivity>("huge").GetSummaryAsync()).EventCount);

        var letters = (await LocalCluster.WaitForDeadLettersAsync(data.Path, 3)).ToDictionary(l => l.PartitionKey, l => l.Reason);
        Assert.Equal(3, letters.Count);
        Assert.Contains("OverflowException", letters[user]);
        Assert.Contains("bytes", letters["no-bytes"]);
        Assert.Contains("bytes", letters["huge"]);
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
