using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Leasing;

/// <summary>The lease row's side of rule 4 after SHARD_END, on dynalite: the end kept, replay requests merged, completion conditional.</summary>
public sealed class EndedShardReplayRequestTests : IDisposable
{
    private const string Owner = "silo-a";
    private static readonly ShardPosition Early = new("49590338271490256608559692538361571095921575989136588898", 0);
    private static readonly ShardPosition Middle = new("49590338271490256608559692538361571095921575989136588999", 3);
    private static readonly ShardPosition Late = new("49590338271490256608559692540000000000000000000000000000", 0);

    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("dynalite");
    private readonly AmazonDynamoDBClient _dynamo;

    public EndedShardReplayRequestTests() =>
        _dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = _environment.DynamoDB.ToString() });

    [Fact]
    public async Task SHARD_END_keeps_the_end_and_the_earliest_replay_request_wins()
    {
        var table = await EndedShardAsync("shardId-000000000000");

        var ended = await table.GetAsync("shardId-000000000000", CancellationToken.None);
        Assert.True(ended!.IsShardEnd);
        Assert.Equal(Late, ended.End);
        Assert.False(ended.IsReplayRequested);

        Assert.Equal(ShardLease.TextOf(Middle), await table.RequestReplayAsync("shardId-000000000000", Middle, CancellationToken.None));
        Assert.Equal(ShardLease.TextOf(Early), await table.RequestReplayAsync("shardId-000000000000", Early, CancellationToken.None));
        Assert.Equal(ShardLease.TextOf(Early), await table.RequestReplayAsync("shardId-000000000000", Late, CancellationToken.None));
        var requested = await table.GetAsync("shardId-000000000000", CancellationToken.None);
        Assert.True(requested!.IsReplayRequested);
        Assert.Equal(Early, requested.ReplayStart);

        // The origin (a partition that came back empty) is the earliest of all.
        Assert.Equal(ShardLease.ReplayFromOrigin, await table.RequestReplayAsync("shardId-000000000000", null, CancellationToken.None));
        Assert.Null((await table.GetAsync("shardId-000000000000", CancellationToken.None))!.ReplayStart);
    }

    [Fact]
    public async Task A_replay_completes_only_for_its_owner_and_the_request_it_served()
    {
        var table = await EndedShardAsync("shardId-000000000001");
        var request = await table.RequestReplayAsync("shardId-000000000001", Middle, CancellationToken.None);
        var lease = await table.GetAsync("shardId-000000000001", CancellationToken.None);
        await table.TakeAsync(lease!, Owner, CancellationToken.None);

        // An earlier start was asked meanwhile: the replay that served the later one is not done.
        await table.RequestReplayAsync("shardId-000000000001", Early, CancellationToken.None);
        Assert.False(await table.CompleteReplayAsync("shardId-000000000001", Owner, request!, CancellationToken.None));
        await Assert.ThrowsAsync<LeaseLostException>(() => table.CompleteReplayAsync("shardId-000000000001", "silo-b", ShardLease.TextOf(Early), CancellationToken.None));

        Assert.True(await table.CompleteReplayAsync("shardId-000000000001", Owner, ShardLease.TextOf(Early), CancellationToken.None));
        var done = await table.GetAsync("shardId-000000000001", CancellationToken.None);
        Assert.False(done!.IsReplayRequested);
        Assert.True(done.IsShardEnd);
    }

    [Fact]
    public async Task An_open_shard_gets_no_replay_request()
    {
        var table = new ShardLeaseTable(_dynamo, "leases-open");
        await table.EnsureCreatedAsync(CancellationToken.None);
        await table.CreateIfNotExistsAsync("shardId-000000000002", SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
        Assert.Null(await table.RequestReplayAsync("shardId-000000000002", Early, CancellationToken.None));
        Assert.False((await table.GetAsync("shardId-000000000002", CancellationToken.None))!.IsReplayRequested);
    }

    [Fact]
    public async Task A_barrier_claims_each_ended_shards_end_and_a_gap_in_it_asks_for_a_replay()
    {
        var table = await EndedShardAsync("shardId-000000000003");
        await table.CreateIfNotExistsAsync("shardId-000000000004", SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
        await table.TakeAsync((await table.GetAsync("shardId-000000000004", CancellationToken.None))!, Owner, CancellationToken.None);

        // Partition 1 of 3 came back from a snapshot that holds the ended shard only up to Early.
        var gate = new ClaimsGate("shardId-000000000003", partition: 1, holdsUpTo: Early);
        var checkpointer = new ShardCheckpointer(table, gate, Owner, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) { LaneCount = 3 };
        checkpointer.NoteLeases(await table.ListAsync(CancellationToken.None));
        checkpointer.Started("shardId-000000000004", new Abstractions.ExactlyOnce.ShardCheckpoint(null, false));
        checkpointer.Processed("shardId-000000000004", Middle, false, [null, null, null]);
        await checkpointer.CheckpointAsync(CancellationToken.None);

        var claim = Assert.Single(gate.Seen, d => d.ShardId == "shardId-000000000003");
        Assert.True(claim.Ended);
        Assert.Equal(Late, claim.Reached);
        Assert.All(claim.LastSentByLane, p => Assert.Equal(Late, p));
        Assert.Equal(Early, (await table.GetAsync("shardId-000000000003", CancellationToken.None))!.ReplayStart);

        // The open shard had no gap: its checkpoint moved as usual.
        Assert.Equal(Middle.SequenceNumber, (await table.GetAsync("shardId-000000000004", CancellationToken.None))!.Checkpoint);
    }

    [Fact]
    public async Task A_shard_this_silo_ended_is_claimed_by_its_later_barriers_too()
    {
        var table = new ShardLeaseTable(_dynamo, "leases-own");
        await table.EnsureCreatedAsync(CancellationToken.None);
        foreach (var shardId in new[] { "shardId-000000000005", "shardId-000000000006" })
        {
            await table.CreateIfNotExistsAsync(shardId, SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
            await table.TakeAsync((await table.GetAsync(shardId, CancellationToken.None))!, Owner, CancellationToken.None);
        }

        var gate = new ClaimsGate("shardId-000000000005", partition: 1, holdsUpTo: Early);
        var checkpointer = new ShardCheckpointer(table, gate, Owner, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance) { LaneCount = 3 };
        checkpointer.Started("shardId-000000000005", new Abstractions.ExactlyOnce.ShardCheckpoint(null, false));
        checkpointer.Processed("shardId-000000000005", Late, true, [Late, Late, Late]);
        gate.Holding = false;
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(Late, (await table.GetAsync("shardId-000000000005", CancellationToken.None))!.End);

        // Later partition 1 comes back from an older snapshot; the next barrier (another shard moved) finds it.
        gate.Holding = true;
        checkpointer.NoteLeases(await table.ListAsync(CancellationToken.None));
        checkpointer.Started("shardId-000000000006", new Abstractions.ExactlyOnce.ShardCheckpoint(null, false));
        checkpointer.Processed("shardId-000000000006", Middle, false, [null, null, null]);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(Early, (await table.GetAsync("shardId-000000000005", CancellationToken.None))!.ReplayStart);
    }

    /// <summary>A barrier where one partition holds one shard only up to a point.</summary>
    private sealed class ClaimsGate(string shardId, int partition, ShardPosition holdsUpTo) : Abstractions.ExactlyOnce.ICheckpointGate
    {
        public List<Abstractions.ExactlyOnce.ShardDelivery> Seen { get; } = [];

        /// <summary>False: the partition holds everything (before its fallback).</summary>
        public bool Holding { get; set; } = true;

        public Task<IReadOnlyList<Abstractions.ExactlyOnce.ShardGap>> SnapshotAsync(IReadOnlyList<Abstractions.ExactlyOnce.ShardDelivery> deliveries, CancellationToken cancellationToken)
        {
            Seen.AddRange(deliveries);
            var gaps = deliveries
                .Where(d => Holding && d.ShardId == shardId && d.BarrierFor(partition).LastSent is { } lastSent && lastSent > holdsUpTo)
                .Select(d => new Abstractions.ExactlyOnce.ShardGap(d.ShardId, holdsUpTo))
                .ToList();
            return Task.FromResult<IReadOnlyList<Abstractions.ExactlyOnce.ShardGap>>(gaps);
        }
    }

    /// <summary>A lease read to its end by <see cref="Owner"/>: SHARD_END written with <see cref="Late"/> as its end.</summary>
    private async Task<ShardLeaseTable> EndedShardAsync(string shardId)
    {
        var table = new ShardLeaseTable(_dynamo, "leases-" + shardId[^1]);
        await table.EnsureCreatedAsync(CancellationToken.None);
        await table.CreateIfNotExistsAsync(shardId, SentinelCheckpoint.TrimHorizon, [], CancellationToken.None);
        var lease = await table.GetAsync(shardId, CancellationToken.None);
        await table.TakeAsync(lease!, Owner, CancellationToken.None);
        await table.CheckpointAsync(shardId, Owner, SentinelCheckpoint.ShardEnd, 0, CancellationToken.None, Late);
        return table;
    }

    public void Dispose()
    {
        _dynamo.Dispose();
        _environment.Dispose();
    }
}
