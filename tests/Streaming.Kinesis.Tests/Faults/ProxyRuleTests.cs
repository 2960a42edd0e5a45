using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing.Faults;
using Xunit;
using static KinesisGrains.Tests.Faults.KinesaliteProxyFixture;

namespace KinesisGrains.Tests.Faults;

/// <summary>Which requests get which fault: order, schedules, the wildcard, clearing, and concurrency.</summary>
public sealed class ProxyRuleTests(KinesaliteProxyFixture kinesalite) : IClassFixture<KinesaliteProxyFixture>
{
    [Fact]
    public async Task InjectEvery_hits_exactly_every_Nth_call()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.InjectEvery("GetRecords", 3, Fault.Throttle);

        var outcomes = new List<string>();
        for (var call = 1; call <= 10; call++)
        {
            try
            {
                var page = await client.GetRecordsAsync(iterator);
                outcomes.Add(page.Records.Count.ToString());
            }
            catch (KinesisProvisionedThroughputExceededException)
            {
                outcomes.Add("T");
            }
        }

        Assert.Equal(["3", "3", "T", "3", "3", "T", "3", "3", "T", "3"], outcomes);
        Assert.Equal(3, proxy.FaultsInjected("GetRecords"));
        Assert.Equal(7, proxy.Forwarded("GetRecords"));
        // Other operations do not advance the schedule.
        Assert.Equal(0, proxy.FaultsInjected("GetShardIterator"));
    }

    [Fact]
    public async Task Rules_for_one_operation_are_used_in_the_order_they_were_added()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        var iterator = await kinesalite.TrimHorizonAsync(client);
        proxy.Inject("GetRecords", Fault.Throttle, times: 2);
        proxy.Inject("GetRecords", Fault.ExpiredIterator);
        proxy.Inject("DescribeStreamSummary", Fault.Throttle);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.GetRecordsAsync(iterator));
        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.GetRecordsAsync(iterator));
        await Assert.ThrowsAsync<KinesisExpiredIteratorException>(() => client.GetRecordsAsync(iterator));
        var page = await client.GetRecordsAsync(iterator);

        Assert.Equal(Payloads, Texts(page));
        // The DescribeStreamSummary rule is still waiting for its operation.
        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        Assert.Equal(
            ["Throttle", "Throttle", "ExpiredIterator", null],
            proxy.Log.Where(e => e.Operation == "GetRecords").Select(e => e.Fault));
    }

    [Fact]
    public async Task A_counted_rule_wins_over_a_schedule_that_still_counts_the_request()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.InjectEvery("DescribeStreamSummary", 2, Fault.ExpiredIterator);
        proxy.Inject("DescribeStreamSummary", Fault.Throttle, times: 2);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        // The second request is the schedule's first hit, but the counted rule goes first.
        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        await client.DescribeStreamSummaryAsync(kinesalite.StreamName);
        await Assert.ThrowsAsync<KinesisExpiredIteratorException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        await client.DescribeStreamSummaryAsync(kinesalite.StreamName);

        Assert.Equal(
            ["Throttle", "Throttle", null, "ExpiredIterator", null],
            proxy.Log.Select(e => e.Fault));
    }

    [Fact]
    public async Task The_wildcard_matches_any_operation()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.Inject(FaultInjectingProxy.AnyOperation, Fault.Throttle, times: 2);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.ListShardsAsync(kinesalite.StreamName));
        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => kinesalite.TrimHorizonAsync(client));
        var summary = await client.DescribeStreamSummaryAsync(kinesalite.StreamName);

        Assert.Equal(kinesalite.StreamName, summary.StreamName);
        Assert.Equal(1, proxy.FaultsInjected("ListShards"));
        Assert.Equal(1, proxy.FaultsInjected("GetShardIterator"));
        Assert.Equal(0, proxy.FaultsInjected("DescribeStreamSummary"));
        Assert.Equal(2, proxy.FaultsInjected(FaultInjectingProxy.AnyOperation));
        Assert.Equal(3, proxy.Count(FaultInjectingProxy.AnyOperation));
    }

    [Fact]
    public async Task An_operation_may_be_named_by_its_full_target()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.Inject("Kinesis_20131202.ListShards", Fault.Throttle);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.ListShardsAsync(kinesalite.StreamName));

        Assert.Equal(1, proxy.FaultsInjected("ListShards"));
        Assert.Equal(1, proxy.Count("Kinesis_20131202.ListShards"));
        Assert.Equal("ListShards", Assert.Single(proxy.Log).Operation);
    }

    [Fact]
    public async Task ClearFaults_drops_pending_rules_and_keeps_the_counts()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.Inject("DescribeStreamSummary", Fault.Throttle, times: 100);
        proxy.InjectEvery(FaultInjectingProxy.AnyOperation, 1, Fault.InternalError);

        await Assert.ThrowsAsync<KinesisProvisionedThroughputExceededException>(() => client.DescribeStreamSummaryAsync(kinesalite.StreamName));
        proxy.ClearFaults();
        for (var i = 0; i < 3; i++)
        {
            await client.DescribeStreamSummaryAsync(kinesalite.StreamName);
        }

        Assert.Equal(4, proxy.Count("DescribeStreamSummary"));
        Assert.Equal(1, proxy.FaultsInjected("DescribeStreamSummary"));
        Assert.Equal(3, proxy.Forwarded("DescribeStreamSummary"));
    }

    [Fact]
    public async Task Concurrent_requests_share_a_rule_exactly()
    {
        await using var proxy = await FaultInjectingProxy.StartAsync(kinesalite.Kinesis);
        using var client = ClientOf(proxy);
        proxy.Inject("DescribeStreamSummary", Fault.Throttle, times: 10);

        var calls = Enumerable.Range(0, 30).Select(async _ =>
        {
            try
            {
                await client.DescribeStreamSummaryAsync(kinesalite.StreamName);
                return true;
            }
            catch (KinesisProvisionedThroughputExceededException)
            {
                return false;
            }
        });
        var succeeded = await Task.WhenAll(calls);

        Assert.Equal(10, succeeded.Count(ok => !ok));
        Assert.Equal(30, proxy.Count("DescribeStreamSummary"));
        Assert.Equal(10, proxy.FaultsInjected("DescribeStreamSummary"));
        Assert.Equal(20, proxy.Forwarded("DescribeStreamSummary"));
        Assert.Equal(30, proxy.Log.Count);
    }
}
