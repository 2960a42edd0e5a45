using System.Diagnostics;
using System.Net;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Faults;
using KinesisGrains.Tests.Support;
using Xunit;
using static KinesisGrains.Tests.Faults.KinesaliteProxyFixture;

namespace KinesisGrains.Tests.Faults;

/// <summary>Each fault reaches <see cref="KinesisClient"/> as the error the real service's answer would give.</summary>
public sealed class ProxyFaultTests(KinesaliteProxyFixture kinesalite) : IClassFixture<KinesaliteProxyFixture>
{
    [Fact]
    public async Task Three_throttles_on_GetRecords_fail_three_calls_then_records_come()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 1);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.Inject("GetRecords", Fault.Throttle, times: 3);

        for (var i = 0; i < 3; i++)
        {
            var error = await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.GetRecordsAsync(iterator));
            Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
            Assert.Equal("ProvisionedThroughputExceededException", error.ErrorCode);
            Assert.StartsWith("Rate exceeded for shard", error.ServiceMessage);
            Assert.NotNull(error.RequestId);
        }

        var page = await client.GetRecordsAsync(iterator);

        Assert.Equal(Payloads, Texts(page));
        Assert.Equal(4, proxy.Count("GetRecords"));
        Assert.Equal(3, proxy.FaultsInjected("GetRecords"));
        Assert.Equal(1, proxy.Forwarded("GetRecords"));
        Assert.Equal(0, proxy.FaultsInjected("GetShardIterator"));
        Assert.Equal(
            ["Throttle 400", "Throttle 400", "Throttle 400", "- 200"],
            proxy.Log.Where(e => e.Operation == "GetRecords").Select(e => $"{e.Fault ?? "-"} {e.StatusCode}"));
    }

    [Fact]
    public async Task A_throttle_names_the_stream_and_shard_of_the_request()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.Inject("GetShardIterator", Fault.Throttle);

        var error = await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => kinesalite.TrimHorizonAsync(client));

        Assert.Equal(
            $"Rate exceeded for shard {kinesalite.ShardId} in stream {kinesalite.StreamName} under account 000000000000.",
            error.ServiceMessage);
    }

    [Theory]
    [InlineData(nameof(Fault.InternalError))]
    [InlineData(nameof(Fault.EmptyServerError))]
    public async Task A_server_error_is_retried_by_the_client(string faultName)
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 3);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.Inject("GetRecords", ServerError(faultName));

        var page = await client.GetRecordsAsync(iterator);

        Assert.Equal(Payloads, Texts(page));
        Assert.Equal(2, proxy.Count("GetRecords"));
        Assert.Equal(1, proxy.FaultsInjected("GetRecords"));
        Assert.Equal(1, proxy.Forwarded("GetRecords"));
    }

    [Fact]
    public async Task GetRecords_retries_wait_for_the_pacer_counted_from_each_attempt()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        var options = TestOptions.For(proxy.Endpoint);
        options.MaxAttempts = 3;
        options.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
        using var recorder = new KinesisCallRecorder();
        using var client = new KinesisClient(options, recorder);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.Inject("GetRecords", Fault.InternalError, times: 2);

        var page = await client.GetRecordsAsync(iterator, 100, new CallPacer(TimeSpan.FromMilliseconds(300)), CancellationToken.None);

        Assert.Equal(Payloads, Texts(page));
        Assert.Equal(3, recorder.SentAt("GetRecords").Count);
        // The pacer marks an attempt a little after the recorder stamps it (both in the client, on a busy machine up to
        // a few ms apart, once 5.8 ms): the gap tells the 300 ms pacer from the 10 ms retry delay with room to spare.
        Assert.All(
            recorder.GapsBetween("GetRecords"),
            gap => Assert.True(gap >= TimeSpan.FromMilliseconds(250), $"retried {gap.TotalMilliseconds} ms after the previous attempt"));
    }

    [Theory]
    [InlineData(nameof(Fault.InternalError))]
    [InlineData(nameof(Fault.EmptyServerError))]
    public async Task A_server_error_on_the_last_attempt_is_an_InternalFailure(string faultName)
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 2);
        proxy.Inject("DescribeStreamSummary", ServerError(faultName), times: 2);

        var error = await Assert.ThrowsAsync<KinesisException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));

        Assert.Equal("InternalFailure", error.ErrorCode);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(2, proxy.Count("DescribeStreamSummary"));
        Assert.Equal(0, proxy.Forwarded("DescribeStreamSummary"));
    }

    [Fact]
    public async Task An_expired_iterator_fault_is_a_KinesisExpiredIteratorException()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 3);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.Inject("GetRecords", Fault.ExpiredIterator);

        var error = await Assert.ThrowsAsync<KinesisExpiredIteratorException>(() => client.GetRecordsAsync(iterator));
        var page = await client.GetRecordsAsync(iterator);

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.StartsWith("Iterator expired", error.ServiceMessage);
        // Not retried by the client (it is not transient); the same iterator works once the fault is used up.
        Assert.Equal(2, proxy.Count("GetRecords"));
        Assert.Equal(Payloads, Texts(page));
    }

    [Fact]
    public async Task A_delay_longer_than_the_request_timeout_is_unavailability()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 1, requestTimeout: TimeSpan.FromSeconds(1));
        // A warm connection: on a loaded machine a first connect could eat the whole timeout, and a request that never
        // reached the proxy would leave nothing to check.
        await client.ListShardsAsync(kinesalite.StreamName);
        proxy.Inject("DescribeStreamSummary", Fault.Delay(TimeSpan.FromSeconds(30)));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<KinesisUnavailableException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(950), TimeSpan.FromSeconds(10));
        Assert.Contains("no response", error.Reason);
        // The proxy notices the client leaving and drops the held request instead of forwarding it.
        var entry = await WaitForLogEntryAsync(proxy, "DescribeStreamSummary");
        Assert.Equal(("Delay(30000ms)", null, "client gave up"), (entry.Fault, entry.StatusCode, entry.Error));
        Assert.Equal(0, proxy.Forwarded("DescribeStreamSummary"));
        Assert.True(entry.Elapsed < TimeSpan.FromSeconds(15), $"held for {entry.Elapsed}");
    }

    [Fact]
    public async Task A_delay_within_the_timeout_only_slows_the_call()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 1, requestTimeout: TimeSpan.FromSeconds(10));
        proxy.Inject("DescribeStreamSummary", Fault.Delay(TimeSpan.FromMilliseconds(400)));
        var clock = Stopwatch.StartNew();

        var summary = await client.DescribeStreamSummaryAsync(kinesalite.StreamName);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(390), $"took {clock.Elapsed}");
        Assert.Equal(kinesalite.StreamName, summary.StreamName);
        Assert.Equal(1, proxy.FaultsInjected("DescribeStreamSummary"));
        Assert.Equal(1, proxy.Forwarded("DescribeStreamSummary"));
        Assert.Equal(("Delay(400ms)", 200), (proxy.Log[0].Fault, proxy.Log[0].StatusCode));
    }

    [Fact]
    public async Task A_disconnect_is_unavailability_and_the_client_retries_it()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var once = ClientOf(proxy, maxAttempts: 1);
        using var retrying = ClientOf(proxy, maxAttempts: 2);
        proxy.Inject("DescribeStreamSummary", Fault.Disconnect, times: 2);

        var error = await Assert.ThrowsAsync<KinesisUnavailableException>(() => once.DescribeStreamSummaryAsync(kinesalite.StreamName));
        var summary = await retrying.DescribeStreamSummaryAsync(kinesalite.StreamName);

        Assert.Equal(1, error.Attempts);
        Assert.Equal(kinesalite.StreamName, summary.StreamName);
        Assert.Equal(3, proxy.Count("DescribeStreamSummary"));
        Assert.Equal(1, proxy.Forwarded("DescribeStreamSummary"));
        Assert.Equal(["disconnected", "disconnected", null], proxy.Log.Select(e => e.Error));
    }

    [Fact]
    public async Task A_custom_fault_sends_its_status_type_and_message()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy, maxAttempts: 3);
        proxy.Inject("ListShards", Fault.Custom(400, "LimitExceededException", "Too many ListShards calls"));
        proxy.Inject("ListShards", Fault.Custom(503, "ServiceUnavailable"));

        var limit = await Assert.ThrowsAsync<KinesisLimitExceededException>(() => client.ListShardsAsync(kinesalite.StreamName));
        var shards = await client.ListShardsAsync(kinesalite.StreamName);

        Assert.Equal("Too many ListShards calls", limit.ServiceMessage);
        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
        // The 503 was retried by the client, so the second call made two requests.
        Assert.Equal(kinesalite.ShardId, Assert.Single(shards).ShardId);
        Assert.Equal([400, 503, 200], proxy.Log.Select(e => e.StatusCode ?? 0));
    }

    private static Fault ServerError(string name) => name switch
    {
        nameof(Fault.InternalError) => Fault.InternalError,
        nameof(Fault.EmptyServerError) => Fault.EmptyServerError,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static async Task<ProxyLogEntry> WaitForLogEntryAsync(FaultInjectingProxy proxy, string operation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (proxy.Log.FirstOrDefault(e => e.Operation == operation) is { } entry)
            {
                return entry;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No {operation} entry in the proxy log within 20 s.");
            await Task.Delay(20);
        }
    }
}
