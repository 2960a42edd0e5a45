using System.Net;
using System.Text.Json;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Dashboard;

/// <summary>The probes a load balancer or Kubernetes uses: live while the process serves, ready once it reads its shards.</summary>
public sealed class HealthTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Ready_answers_503_with_the_reason_until_the_leases_are_held_and_the_receivers_run_then_200()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 2);

        // The balancer's first ListShards is held back: the silo is up but has not read the shard list.
        using var gate = new KinesisCallGate("ListShards");
        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path), s => s.UseKinesisHttpHandler(gate));
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint, Timeout = TimeSpan.FromSeconds(30) };

        var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", (await ReadJsonAsync(live)).GetProperty("status").GetString());
        Assert.Equal("ok", await http.GetStringAsync("/health"));

        var unready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        var body = await ReadJsonAsync(unready);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("The shard list and the lease table have not been read yet.", body.GetProperty("reason").GetString());
        Assert.True(gate.Held > 0);
        Assert.False((await StatusAsync(http)).GetProperty("ready").GetBoolean());

        gate.Open();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        HttpResponseMessage ready;
        while ((ready = await http.GetAsync("/health/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "not ready within 60 s: " + await ready.Content.ReadAsStringAsync());
            await Task.Delay(100);
        }

        body = await ReadJsonAsync(ready);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Reading 2 of 2 open shard(s).", body.GetProperty("reason").GetString());
        var check = body.GetProperty("checks").GetProperty("kinesis-stream").GetProperty("data");
        Assert.Equal(2, check.GetProperty("leasesHeld").GetInt32());
        Assert.Equal(2, check.GetProperty("receiversRunning").GetInt32());
        Assert.Equal("no-store, no-cache", ready.Headers.CacheControl?.ToString());

        var status = await StatusAsync(http);
        Assert.True(status.GetProperty("ready").GetBoolean());
        Assert.All(status.GetProperty("shards").EnumerateArray(), s => Assert.True(s.GetProperty("leaseHeld").GetBoolean()));

        // The cluster benchmark times hand-overs by these: when a silo began reading a shard, and first delivered it.
        Assert.All(status.GetProperty("shards").EnumerateArray(), s => Assert.Equal(JsonValueKind.String, s.GetProperty("readingSince").ValueKind));
        Assert.All(status.GetProperty("shards").EnumerateArray(), s => Assert.True(s.TryGetProperty("firstDeliveredAt", out _)));
    }

    [Fact]
    public async Task Without_the_dashboard_the_probes_and_status_still_answer_and_the_pages_are_gone()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await using var silo = await LocalCluster.StartSiloAsync(cluster.SiloSettings("app-" + stream, stream, data.Path, ("Dashboard:Enabled", "false")));
        using var http = new HttpClient { BaseAddress = silo.HttpEndpoint, Timeout = TimeSpan.FromSeconds(30) };

        Assert.Null(silo.StreamingDashboard);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/streaming/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(stream, (await StatusAsync(http)).GetProperty("streamName").GetString());
    }

    private static async Task<JsonElement> StatusAsync(HttpClient http) => await ReadJsonAsync(await http.GetAsync("/status"));

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
