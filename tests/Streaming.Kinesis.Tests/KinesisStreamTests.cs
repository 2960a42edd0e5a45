using System.Net;
using System.Text;
using System.Text.Json;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Tests.Support;
using Xunit;
using static KinesisGrains.Tests.Support.KinesisEmulatorFixture;

namespace KinesisGrains.Tests;

/// <summary>Control plane against the real emulators.</summary>
public sealed class KinesisStreamTests(KinesisEmulatorFixture emulators) : IClassFixture<KinesisEmulatorFixture>
{
    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task Create_wait_describe_and_delete(string emulator)
    {
        using var client = emulators.CreateClient(emulator);
        var name = TestOptions.NewStreamName("lifecycle");
        var before = DateTimeOffset.UtcNow;

        await client.CreateStreamAsync(name, shardCount: 3);
        var active = await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));
        var summary = await client.DescribeStreamSummaryAsync(name);

        Assert.Equal(StreamStatus.Active, active.StreamStatus);
        Assert.Equal(name, summary.StreamName);
        Assert.StartsWith("arn:aws:kinesis:us-east-1:", summary.StreamArn);
        Assert.EndsWith(":stream/" + name, summary.StreamArn);
        Assert.Equal(StreamStatus.Active, summary.StreamStatus);
        Assert.Equal(3, summary.OpenShardCount);
        Assert.Equal(24, summary.RetentionPeriodHours);
        // kinesalite keeps whole seconds and backdates creation by 2 s (SEQ_ADJUST_MS in createStream.js).
        Assert.InRange(summary.StreamCreationTimestamp, before.AddSeconds(-4), DateTimeOffset.UtcNow.AddSeconds(1));

        var duplicate = await Assert.ThrowsAsync<KinesisResourceInUseException>(() => client.CreateStreamAsync(name, 1));
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);

        await client.DeleteStreamAsync(name);
        await WaitUntilGoneAsync(client, name);
    }

    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task A_missing_stream_is_ResourceNotFound(string emulator)
    {
        using var client = emulators.CreateClient(emulator);
        var name = TestOptions.NewStreamName("missing");

        var describe = await Assert.ThrowsAsync<KinesisResourceNotFoundException>(() => client.DescribeStreamSummaryAsync(name));
        Assert.Equal("ResourceNotFoundException", describe.ErrorCode);
        Assert.Equal(HttpStatusCode.BadRequest, describe.StatusCode);
        Assert.Contains("DescribeStreamSummary", describe.Message);
        Assert.Contains(name, describe.Message);

        await Assert.ThrowsAsync<KinesisResourceNotFoundException>(
            () => client.GetShardIteratorAsync(name, "shardId-000000000000", ShardIteratorType.TrimHorizon));
        await Assert.ThrowsAsync<KinesisResourceNotFoundException>(() => client.ListShardsAsync(name));
    }

    [Theory]
    [InlineData(Kinesalite)]
    [InlineData(KinesisLocal)]
    public async Task ListShards_with_a_small_page_size_returns_every_shard_once(string emulator)
    {
        using var handler = new CountingHandler();
        using var client = emulators.CreateClient(emulator, options => options.ListShardsPageSize = 2, handler);
        var name = TestOptions.NewStreamName("paging");
        await client.CreateStreamAsync(name, shardCount: 7);
        await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));

        var shards = await client.ListShardsAsync(name);

        Assert.Equal(7, shards.Count);
        Assert.Equal(7, shards.Select(s => s.ShardId).Distinct().Count());
        AssertCoversKeySpace(shards);

        var listCalls = handler.Requests.Where(r => r.Target == "Kinesis_20131202.ListShards").ToList();
        if (emulator == KinesisLocal)
        {
            // 7 shards in pages of 2: 4 requests, only the first naming the stream.
            Assert.Equal(4, listCalls.Count);
            Assert.All(listCalls.Skip(1), call =>
            {
                using var json = JsonDocument.Parse(call.Body);
                Assert.True(json.RootElement.TryGetProperty("NextToken", out _));
                Assert.False(json.RootElement.TryGetProperty("StreamName", out _));
            });
        }
        else
        {
            // kinesalite ignores MaxResults and never pages.
            Assert.Single(listCalls);
        }
    }

    [Fact]
    public async Task Split_merge_and_UpdateShardCount_on_kinesis_local()
    {
        using var client = emulators.CreateClient(KinesisLocal);
        var name = TestOptions.NewStreamName("reshard");
        var initial = await client.CreateActiveStreamAsync(name, shardCount: 2);
        var parent = initial[0];
        var put = await client.PutRecordsAsync(name, [new("before split"u8.ToArray(), "k", ExplicitHashKey: "0")]);
        Assert.Equal(parent.ShardId, put.Records[0].ShardId);

        // Split the first shard in the middle of its range.
        var splitAt = parent.HashKeyRange.StartingHashKey + (parent.HashKeyRange.EndingHashKey - parent.HashKeyRange.StartingHashKey) / 2;
        await client.SplitShardAsync(name, parent.ShardId, splitAt);
        await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));

        var afterSplit = await client.ListShardsAsync(name);
        Assert.True(afterSplit.Single(s => s.ShardId == parent.ShardId).SequenceNumberRange.IsClosed);
        var children = afterSplit.Where(s => s.ParentShardId == parent.ShardId).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        Assert.Equal(2, children.Count);
        Assert.Equal(splitAt, children[1].HashKeyRange.StartingHashKey);
        Assert.Equal(3, (await client.ListShardsAsync(name, new ShardFilter(ShardFilterType.AtLatest))).Count);

        // Reading the closed parent to its end reports the children and a null iterator.
        var iterator = await client.GetShardIteratorAsync(name, parent.ShardId, ShardIteratorType.TrimHorizon);
        GetRecordsResponse page;
        var records = new List<KinesisRecord>();
        var reads = 0;
        do
        {
            page = await client.GetRecordsAsync(iterator);
            records.AddRange(page.Records);
            iterator = page.NextShardIterator!;
        }
        while (!page.IsShardEnd && ++reads < 50);

        Assert.True(page.IsShardEnd);
        Assert.Equal("before split", Encoding.UTF8.GetString(Assert.Single(records).Data));
        Assert.Equal(children.Select(c => c.ShardId).Order(), page.ChildShards.Select(c => c.ShardId).Order());
        Assert.All(page.ChildShards, child => Assert.Equal(new[] { parent.ShardId }, child.ParentShards));

        // Merge the children back.
        await client.MergeShardsAsync(name, children[0].ShardId, children[1].ShardId);
        await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));
        var merged = (await client.ListShardsAsync(name)).Single(s => s.ParentShardId == children[0].ShardId);
        Assert.Equal(children[1].ShardId, merged.AdjacentParentShardId);
        Assert.Equal(parent.HashKeyRange, merged.HashKeyRange);

        var update = await client.UpdateShardCountAsync(name, 4);
        Assert.Equal(2, update.CurrentShardCount);
        Assert.Equal(4, update.TargetShardCount);
        var summary = await client.WaitForStreamActiveAsync(name, TimeSpan.FromSeconds(30));
        Assert.Equal(4, summary.OpenShardCount);
        var open = await client.ListShardsAsync(name, new ShardFilter(ShardFilterType.AtLatest));
        Assert.Equal(4, open.Count);
        AssertCoversKeySpace(open);
    }

    [Fact]
    public async Task Kinesalite_does_not_know_UpdateShardCount()
    {
        using var client = emulators.CreateClient(Kinesalite);
        var name = TestOptions.NewStreamName("noscale");
        await client.CreateActiveStreamAsync(name, 1);

        var exception = await Assert.ThrowsAsync<KinesisException>(() => client.UpdateShardCountAsync(name, 2));
        Assert.Equal("UnknownOperationException", exception.ErrorCode);
    }

    private static void AssertCoversKeySpace(IReadOnlyList<Shard> shards)
    {
        var open = shards.Where(s => s.IsOpen).OrderBy(s => s.HashKeyRange.StartingHashKey).ToList();
        Assert.Equal(UInt128.Zero, open[0].HashKeyRange.StartingHashKey);
        Assert.Equal(UInt128.MaxValue, open[^1].HashKeyRange.EndingHashKey);
        for (var i = 1; i < open.Count; i++)
        {
            Assert.Equal(open[i - 1].HashKeyRange.EndingHashKey + 1, open[i].HashKeyRange.StartingHashKey);
        }
    }

    private static async Task WaitUntilGoneAsync(KinesisClient client, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                // kinesis-local applies DeleteStream after answering it, so ACTIVE may still be seen for a moment.
                var summary = await client.DescribeStreamSummaryAsync(name);
                Assert.Contains(summary.StreamStatus, new[] { StreamStatus.Deleting, StreamStatus.Active });
            }
            catch (KinesisResourceNotFoundException)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"stream {name} was not deleted");
            await Task.Delay(100);
        }
    }
}
