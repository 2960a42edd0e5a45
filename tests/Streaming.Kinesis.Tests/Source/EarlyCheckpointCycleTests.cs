using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>
/// A delivery Orleans gave up on leaves a partition with a gap only a barrier finds; the checkpointer must not wait
/// for its (possibly hour-long) interval to run that barrier.
/// </summary>
public sealed class EarlyCheckpointCycleTests
{
    [Fact]
    public async Task An_early_cycle_request_runs_the_barrier_long_before_the_interval()
    {
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        checkpointer.Started("shardId-000000000000", new ShardCheckpoint(null, false));
        checkpointer.Processed("shardId-000000000000", new ShardPosition("49590338271490256608559692538361571095921575989136588898", 0), false, [null]);
        using var stop = new CancellationTokenSource();
        var running = checkpointer.RunAsync(TimeSpan.FromHours(1), stop.Token);

        // Without a request nothing happens within the interval...
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(0, gate.Calls);

        // ...with one, the barrier runs after the short settle delay.
        checkpointer.RequestEarlyCycle();
        checkpointer.RequestEarlyCycle();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (gate.Calls == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, gate.Calls);
        await stop.CancelAsync();
        await running;
        Assert.Equal(1, gate.Calls);
    }

    private static ShardCheckpointer Checkpointer(ICheckpointGate gate)
    {
        // The gate reports a gap for the shard, so the cycle writes no lease row: no DynamoDB is needed.
        var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", MaxErrorRetry = 0 });
        return new ShardCheckpointer(new ShardLeaseTable(dynamo, "unused"), gate, "worker", TimeProvider.System, NullLogger.Instance);
    }

    private sealed class RecordingGate : ICheckpointGate
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return Task.FromResult<IReadOnlyList<ShardGap>>([.. deliveries.Select(d => new ShardGap(d.ShardId, null))]);
        }
    }
}
