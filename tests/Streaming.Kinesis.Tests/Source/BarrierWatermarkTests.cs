using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>A checkpoint barrier tells every partition each shard's watermark and idle flag as of what was delivered.</summary>
public sealed class BarrierWatermarkTests
{
    private static readonly ShardPosition s_reached = new("49590338271490256608559692538361571095921575989136588898", 0);

    [Fact]
    public async Task Each_shards_delivery_carries_the_watermark_and_idle_flag_of_its_last_delivered_read()
    {
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        var watermark = DateTimeOffset.Parse("2026-11-29T10:00:05Z");
        checkpointer.Started("shardId-000000000000", new ShardCheckpoint(null, false));
        checkpointer.Started("shardId-000000000001", new ShardCheckpoint(null, false));
        checkpointer.Processed("shardId-000000000000", s_reached, false, [s_reached, null], watermark, idle: false);
        checkpointer.Processed("shardId-000000000001", s_reached, false, [null, s_reached], null, idle: true);

        await checkpointer.CheckpointAsync(CancellationToken.None);

        var deliveries = Assert.Single(gate.Rounds).OrderBy(d => d.ShardId).ToList();
        Assert.Equal((watermark, false), (deliveries[0].Watermark, deliveries[0].Idle));
        Assert.Equal(((DateTimeOffset?)null, true), (deliveries[1].Watermark, deliveries[1].Idle));
        Assert.Equal(new ShardBarrier("shardId-000000000000", s_reached, false, null, watermark, false), deliveries[0].BarrierFor(1));
        Assert.True(deliveries[1].BarrierFor(0).Idle);
    }

    private static ShardCheckpointer Checkpointer(ICheckpointGate gate)
    {
        // The gate reports a gap for every shard, so the cycle writes no lease row: no DynamoDB is needed.
        var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", MaxErrorRetry = 0 });
        return new ShardCheckpointer(new ShardLeaseTable(dynamo, "unused"), gate, "worker", TimeProvider.System, NullLogger.Instance) { LaneCount = 2 };
    }

    private sealed class RecordingGate : ICheckpointGate
    {
        public List<IReadOnlyList<ShardDelivery>> Rounds { get; } = [];

        public Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken)
        {
            Rounds.Add(deliveries);
            return Task.FromResult<IReadOnlyList<ShardGap>>([.. deliveries.Select(d => new ShardGap(d.ShardId, null))]);
        }
    }
}
