using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Testing;
using PuppeteerSharp;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests.Dashboard;

/// <summary>
/// The dashboards in a real headless chromium while records flow: the streaming page's numbers are those of
/// <c>/status</c> (read around the same moment: the page polls every second), and the Orleans Dashboard loads.
/// </summary>
public sealed class StreamingDashboardTests(LocalCluster cluster, ITestOutputHelper output) : IClassFixture<LocalCluster>
{
    private const int Records = 24_000;
    private const int RecordsPerSecond = 1_500;
    private const int BadRounds = 8;
    private const int BadPerRound = 3;

    /// <summary>What the page shows, read from its DOM (raw values from data-value; the text as the user sees it).</summary>
    private const string ReadPage = """
        (() => {
          const metric = name => document.querySelector(`[data-metric="${name}"]`);
          const number = element => element && element.dataset.value !== '' ? Number(element.dataset.value) : null;
          return JSON.stringify({
            polls: Number(document.body.dataset.polls),
            serverTime: number(metric('server-time')),
            records: number(metric('records-total')),
            recordsText: metric('records-total').textContent,
            deadLetters: number(metric('dead-letters')),
            throttles: number(metric('throttles')),
            keys: number(metric('state-keys')),
            partitions: number(metric('partitions-active')),
            ready: metric('ready').dataset.value,
            ratePoints: Number(document.querySelector('#rate-chart polyline[data-series="total"]')?.dataset.points ?? 0),
            shards: [...document.querySelectorAll('#shards tbody tr[data-shard]')].map(row => ({
              id: row.dataset.shard,
              records: number(row.querySelector('[data-field="records"]')),
              lag: number(row.querySelector('[data-field="lag-ms"]')),
              checkpointAge: number(row.querySelector('[data-field="checkpoint-age-ms"]')),
              watermark: row.querySelector('[data-field="watermark"]').dataset.value || null,
            })),
            partitionRows: [...document.querySelectorAll('#partitions tbody tr[data-partition]')].map(row => ({
              id: row.dataset.partition,
              keys: number(row.querySelector('[data-field="keys"]')),
              bytes: number(row.querySelector('[data-field="bytes"]')),
              snapshotAge: number(row.querySelector('[data-field="snapshot-age-ms"]')),
            })),
          });
        })()
        """;

    [Fact]
    public async Task The_streaming_page_shows_the_numbers_of_status_while_records_flow_and_the_Orleans_Dashboard_loads()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);
        var settings = cluster.WithSnapshots(cluster.SiloSettings("app-" + stream, stream, data.Path));
        await using var silo = await LocalCluster.StartSiloAsync(settings);
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint, Timeout = TimeSpan.FromSeconds(30) };
        await using var browser = await HeadlessChromium.LaunchAsync();
        await using var page = await browser.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                consoleErrors.Add($"{e.Message.Text} ({e.Message.Location?.URL})");
            }
        };

        var response = await page.GoToAsync(silo.StreamingDashboard!.ToString());
        Assert.Equal(HttpStatusCode.OK, response.Status);
        await WaitForPageAsync(page, p => p.Polls >= 2 && p.Ready == "true", "the page shows the silo ready");

        // Good records at a steady rate, and a few that cannot be decoded (dead letters) along the way.
        var producing = new ClickstreamProducer(cluster.Kinesis, stream) { RecordsPerSecond = RecordsPerSecond }.ProduceAsync(Records, keys: 2_000, seed: 11, new GroundTruth());
        var badRecords = PutBadRecordsAsync(stream);

        // While records flow: the page's numbers lie between /status just before and just after it was read.
        var comparisons = 0;
        var screenshot = HeadlessChromium.ArtifactPath("dashboard-streaming.png");
        var screenshotTaken = false;
        while (!producing.IsCompleted || comparisons < 3)
        {
            var (before, shown, after) = await ReadAroundAsync(page, http);
            if (shown.Records > 0)
            {
                AssertBetween(before, shown, after);
                comparisons++;
                if (!screenshotTaken && shown.RatePoints >= 10 && !producing.IsCompleted)
                {
                    await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
                    screenshotTaken = true;
                    output.WriteLine($"screenshot while {shown.RecordsText} records were read: {screenshot}");
                }
            }

            await Task.Delay(700);
        }

        await producing;
        await badRecords;
        Assert.True(comparisons >= 3, $"{comparisons} comparison(s) with records flowing");
        Assert.True(screenshotTaken, "no screenshot while records flowed");
        Assert.True(new FileInfo(screenshot).Length > 10_000);

        // Caught up: the page settles on exactly what /status says and what was produced.
        const int total = Records + BadRounds * BadPerRound;
        await LocalCluster.WaitForCaughtUpAsync(silo, total);
        var final = await WaitForPageAsync(page, p => p.Records == total && p.DeadLetters == BadRounds * BadPerRound, "the page shows every record");
        var status = await StatusAsync(http);
        Assert.Equal(total, status.GetProperty("recordsRead").GetInt64());
        Assert.Equal(total.ToString("N0", CultureInfo.InvariantCulture), final.RecordsText);   // "24,024", as the page writes it
        Assert.Equal(BadRounds * BadPerRound, status.GetProperty("deadLetters").GetInt64());
        Assert.Equal(0, final.Throttles);
        Assert.Equal(2, final.Shards.Count);
        Assert.Equal(total, final.Shards.Sum(s => s.Records));
        Assert.All(final.Shards, s => Assert.Equal(0, s.Lag));
        Assert.All(final.Shards, s => Assert.InRange(s.CheckpointAge ?? -1, 0, 30_000));

        // Each shard's watermark (arrival times here), as /status has it.
        var watermarks = status.GetProperty("shards").EnumerateArray().ToDictionary(s => s.GetProperty("shardId").GetString()!, s => s.GetProperty("watermark").GetString());
        Assert.All(final.Shards, s => Assert.Equal(watermarks[s.Id], s.Watermark));
        Assert.All(final.Shards, s => Assert.NotNull(s.Watermark));

        // Partition state: every partition got keys, and the page lists what /status lists.
        var partitions = status.GetProperty("partitionStates").EnumerateArray().ToList();
        Assert.Equal(8, partitions.Count);
        Assert.Equal(partitions.Select(p => p.GetProperty("partitionId").GetString()), final.PartitionRows.Select(p => p.Id));
        Assert.All(final.PartitionRows, p => Assert.True(p.Keys > 0 && p.Bytes > 0, $"{p.Id}: {p.Keys} keys, {p.Bytes} bytes"));
        Assert.All(final.PartitionRows, p => Assert.InRange(p.SnapshotAge ?? -1, 0, 30_000));
        Assert.Empty(consoleErrors);

        // The Orleans Dashboard, on the same URL.
        var orleans = await page.GoToAsync(new Uri(silo.HttpEndpoint, "/dashboard/").ToString(), WaitUntilNavigation.Networkidle2);
        Assert.Equal(HttpStatusCode.OK, orleans.Status);
        await page.WaitForFunctionAsync("() => document.body.innerText.includes('Silos') && document.body.innerText.includes('Grains')", new WaitForFunctionOptions { Timeout = 30_000 });
        await page.ScreenshotAsync(HeadlessChromium.ArtifactPath("orleans-dashboard.png"));
        var counters = JsonDocument.Parse(await http.GetStringAsync("/dashboard/DashboardCounters")).RootElement;
        Assert.Equal(1, counters.GetProperty("totalActiveHostCount").GetInt32());
    }

    private async Task PutBadRecordsAsync(string stream)
    {
        for (var round = 0; round < BadRounds; round++)
        {
            await Task.Delay(1_000);
            var entries = Enumerable.Range(0, BadPerRound)
                .Select(i => new Kinesis.Client.PutRecordsRequestEntry(Encoding.UTF8.GetBytes($"not json {round}-{i}"), $"bad-{round}-{i}"))
                .ToList();
            var result = await cluster.Kinesis.PutRecordsAsync(stream, entries);
            Assert.Equal(0, result.FailedRecordCount);
        }
    }

    /// <summary>/status, then the page once it has shown a poll taken after that, then /status again.</summary>
    private static async Task<(JsonElement Before, PageNumbers Shown, JsonElement After)> ReadAroundAsync(IPage page, HttpClient http)
    {
        var before = await StatusAsync(http);
        var beforeTime = DateTimeOffset.Parse(before.GetProperty("serverTime").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var shown = await WaitForPageAsync(page, p => p.ServerTime > beforeTime, "the page polls again");
        var after = await StatusAsync(http);
        return (before, shown, after);
    }

    private static void AssertBetween(JsonElement before, PageNumbers shown, JsonElement after)
    {
        AssertInRange("records", shown.Records, before.GetProperty("recordsRead").GetInt64(), after.GetProperty("recordsRead").GetInt64());
        AssertInRange("dead letters", shown.DeadLetters, before.GetProperty("deadLetters").GetInt64(), after.GetProperty("deadLetters").GetInt64());
        AssertInRange("throttles", shown.Throttles, before.GetProperty("throttles").GetInt64(), after.GetProperty("throttles").GetInt64());
        var beforeShards = before.GetProperty("shards").EnumerateArray().ToDictionary(s => s.GetProperty("shardId").GetString()!, s => s.GetProperty("recordsRead").GetInt64());
        var afterShards = after.GetProperty("shards").EnumerateArray().ToDictionary(s => s.GetProperty("shardId").GetString()!, s => s.GetProperty("recordsRead").GetInt64());
        Assert.Equal(afterShards.Keys.Order(), shown.Shards.Select(s => s.Id).Order());
        foreach (var shard in shown.Shards)
        {
            AssertInRange($"records of {shard.Id}", shard.Records, beforeShards.GetValueOrDefault(shard.Id), afterShards[shard.Id]);
        }

        Assert.Equal(shown.Records, shown.Shards.Sum(s => s.Records));
        Assert.Equal(shown.Keys, shown.PartitionRows.Sum(p => p.Keys));
    }

    private static void AssertInRange(string what, long? shown, long before, long after) =>
        Assert.True(shown >= before && shown <= after, $"{what}: the page shows {shown}, /status said {before} before and {after} after");

    private static async Task<PageNumbers> WaitForPageAsync(IPage page, Func<PageNumbers, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var numbers = JsonSerializer.Deserialize<PageNumbers>(await page.EvaluateExpressionAsync<string>(ReadPage), JsonSerializerOptions.Web)!;
            if (condition(numbers))
            {
                return numbers;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited 90 s for {what}; the page shows {JsonSerializer.Serialize(numbers)}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http) =>
        JsonDocument.Parse(await http.GetStringAsync("/status")).RootElement.Clone();

    private sealed record PageNumbers(
        int Polls,
        long? ServerTime,
        long? Records,
        string RecordsText,
        long? DeadLetters,
        long? Throttles,
        long? Keys,
        long? Partitions,
        string Ready,
        int RatePoints,
        List<ShardNumbers> Shards,
        List<PartitionNumbers> PartitionRows);

    private sealed record ShardNumbers(string Id, long? Records, long? Lag, long? CheckpointAge, string? Watermark);

    private sealed record PartitionNumbers(string Id, long? Keys, long? Bytes, long? SnapshotAge);
}
