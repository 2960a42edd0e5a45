using System.Net;
using System.Net.Sockets;
using System.Text;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing.Faults;
using KinesisGrains.Tests.Support;
using Xunit;
using static KinesisGrains.Tests.Faults.KinesaliteProxyFixture;

namespace KinesisGrains.Tests.Faults;

/// <summary>Without faults the proxy must be invisible: what the client sends and gets is what kinesalite sees and answers.</summary>
public sealed class ProxyForwardingTests(KinesaliteProxyFixture kinesalite) : IClassFixture<KinesaliteProxyFixture>
{
    [Fact]
    public async Task A_client_works_through_the_proxy_without_faults()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        var name = TestOptions.NewStreamName("proxied");

        var shards = await client.CreateActiveStreamAsync(name, shardCount: 1);
        var put = await client.PutRecordsAsync(name, [new PutRecordsRequestEntry(Encoding.UTF8.GetBytes("through the proxy"), "pk")]);
        var iterator = await client.GetShardIteratorAsync(name, shards[0].ShardId, ShardIteratorType.TrimHorizon);
        var page = await client.GetRecordsAsync(iterator);

        Assert.Equal("127.0.0.1", proxy.Endpoint.Host);
        Assert.NotEqual(kinesalite.Kinesis.Port, proxy.Endpoint.Port);
        Assert.Equal(0, put.FailedRecordCount);
        Assert.Equal(["through the proxy"], Texts(page));
        Assert.Equal(put.Records[0].SequenceNumber, page.Records[0].SequenceNumber);
        Assert.Equal(1, proxy.Count("CreateStream"));
        Assert.Equal(1, proxy.Count("PutRecords"));
        Assert.Equal(1, proxy.Count("GetRecords"));
        Assert.Equal(0, proxy.FaultsInjected(FaultInjectingProxy.AnyOperation));
        Assert.Equal(proxy.Count(FaultInjectingProxy.AnyOperation), proxy.Forwarded(FaultInjectingProxy.AnyOperation));
        Assert.All(proxy.Log, entry => Assert.Equal((200, null, null), (entry.StatusCode, entry.Fault, entry.Error)));
        Assert.Equal(proxy.Count(FaultInjectingProxy.AnyOperation), proxy.Log.Count);
    }

    [Fact]
    public async Task Raw_answers_and_headers_pass_unchanged()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var http = new HttpClient();

        // kinesalite checks that Authorization is there (never the signature): the answers show whether it was forwarded.
        foreach (var signed in new[] { false, true })
        {
            var direct = await SendRawAsync(http, kinesalite.Kinesis, signed);
            var proxied = await SendRawAsync(http, proxy.Endpoint, signed);

            Assert.Equal(direct.Status, proxied.Status);
            Assert.Equal(direct.ContentType, proxied.ContentType);
            Assert.Equal(direct.Body, proxied.Body);
            Assert.Equal(direct.HasRequestId, proxied.HasRequestId);
            if (signed)
            {
                Assert.Equal(HttpStatusCode.OK, proxied.Status);
                Assert.Contains(kinesalite.StreamName, proxied.Body);
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadRequest, proxied.Status);
                Assert.Contains("MissingAuthenticationToken", proxied.Body);
            }
        }

        Assert.Equal([400, 200], proxy.Log.Select(entry => entry.StatusCode ?? 0));
        Assert.All(proxy.Log, entry => Assert.Equal("DescribeStreamSummary", entry.Operation));
    }

    [Fact]
    public async Task An_unreachable_target_looks_like_a_network_failure()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(new Uri($"http://127.0.0.1:{ClosedPort()}/"));
        using var client = ClientOf(proxy);

        var error = await Assert.ThrowsAsync<KinesisUnavailableException>(() => client.DescribeStreamSummaryAsync("any"));

        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, proxy.Forwarded("DescribeStreamSummary"));
        var entry = Assert.Single(proxy.Log);
        Assert.Null(entry.StatusCode);
        Assert.StartsWith("target failed", entry.Error);
    }

    [Fact]
    public async Task The_log_keeps_only_the_newest_entries()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis, logCapacity: 2);
        using var client = ClientOf(proxy);
        proxy.Inject("DescribeStreamSummary", Fault.Throttle);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        await client.DescribeStreamSummaryAsync(kinesalite.StreamName);
        await client.DescribeStreamSummaryAsync(kinesalite.StreamName);

        Assert.Equal(3, proxy.Count("DescribeStreamSummary"));
        Assert.Equal(2, proxy.Log.Count);
        Assert.All(proxy.Log, entry => Assert.Null(entry.Fault));
        Assert.True(proxy.Log[0].Time <= proxy.Log[1].Time);
    }

    private async Task<(HttpStatusCode Status, string? ContentType, string Body, bool HasRequestId)> SendRawAsync(HttpClient http, Uri endpoint, bool signed)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent($"{{\"StreamName\":\"{kinesalite.StreamName}\"}}", Encoding.UTF8, "application/x-amz-json-1.1"),
        };
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "Kinesis_20131202.DescribeStreamSummary");
        if (signed)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Date", "20260101T000000Z");
            request.Headers.TryAddWithoutValidation(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00");
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), response.Headers.Contains("x-amzn-RequestId"));
    }

    /// <summary>A port nothing listens on: bound once by us, then released.</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
