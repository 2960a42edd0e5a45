using Amazon.DynamoDBv2;
using Amazon.Runtime;
using KinesisGrains.Abstractions.ExactlyOnce;
using KinesisGrains.Abstractions.Streams;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Streaming.Kinesis.Source;
using KinesisGrains.Tests.Buffering;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace KinesisGrains.Tests.Source;

/// <summary>
/// A checkpoint barrier tells every partition each shard's watermark and idle flag as of what was delivered; which
/// cycles run a barrier round (something moved, an idle flip, a quiet interval, or forced).
/// </summary>
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

    [Fact]
    public async Task An_idle_flip_alone_makes_one_barrier_round_so_partitions_that_restored_the_shard_as_active_learn_it()
    {
        // Restarted at its checkpoint with nothing new: no checkpoint will move, so only the flip can bring a barrier.
        var gate = new RecordingGate(gaps: false);
        var checkpointer = Checkpointer(gate);
        const string shard = "shardId-000000000000";
        checkpointer.Started(shard, new ShardCheckpoint(s_reached, false));
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Empty(gate.Rounds);

        checkpointer.Processed(shard, s_reached, false, [s_reached, s_reached], null, idle: true);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        await checkpointer.CheckpointAsync(CancellationToken.None);

        var delivery = Assert.Single(Assert.Single(gate.Rounds));
        Assert.Equal((s_reached, true, false), (delivery.Reached, delivery.Idle, delivery.Ended));

        // Active again: the flip back goes out too (with a record, whose checkpoint would bring a round anyway).
        checkpointer.Processed(shard, s_reached, false, [s_reached, s_reached], null, idle: false);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(2, gate.Rounds.Count);
    }

    [Fact]
    public async Task A_forced_cycle_runs_the_barrier_although_nothing_moved_and_counts_as_a_cycle()
    {
        // A savepoint's barrier: the partitions must commit what they applied now, not at the next moved checkpoint.
        var gate = new RecordingGate(gaps: false);
        var checkpointer = Checkpointer(gate);
        const string shard = "shardId-000000000000";
        checkpointer.Started(shard, new ShardCheckpoint(s_reached, false));
        checkpointer.Processed(shard, s_reached, false, [s_reached, s_reached], null, idle: false);

        Assert.Null(await checkpointer.CheckpointAsync(CancellationToken.None));
        Assert.Empty(gate.Rounds);

        Assert.Equal(1, await checkpointer.CheckpointAsync(CancellationToken.None, force: true));
        var delivery = Assert.Single(Assert.Single(gate.Rounds));
        Assert.Equal((shard, s_reached), (delivery.ShardId, delivery.Reached));
        Assert.Equal(1, checkpointer.Cycles);
        Assert.NotNull(checkpointer.LastCheckpointAt);
    }

    [Fact]
    public async Task An_ended_shard_without_records_is_claimed_at_its_origin_so_every_partition_counts_it_ended()
    {
        var gate = new RecordingGate(gaps: false);
        var checkpointer = Checkpointer(gate);
        const string open = "shardId-000000000002";
        checkpointer.NoteLeases([
            new ShardLease("shardId-000000000000", null, 3, SentinelCheckpoint.ShardEnd, 0, []),
            new ShardLease("shardId-000000000001", null, 3, SentinelCheckpoint.ShardEnd, 0, [], EndPosition: "49590338271490256608559692538361571095921575989136588898/0"),
        ]);
        checkpointer.Started(open, new ShardCheckpoint(null, false));
        checkpointer.Processed(open, null, false, [null, null], null, idle: true);

        await checkpointer.CheckpointAsync(CancellationToken.None);

        var claims = Assert.Single(gate.Rounds).Where(d => d.ShardId != open).OrderBy(d => d.ShardId).ToList();
        Assert.Equal(2, claims.Count);
        Assert.All(claims, c => Assert.True(c.Ended));
        Assert.Equal(new ShardBarrier("shardId-000000000000", null, true, null), claims[0].BarrierFor(1));
        Assert.Equal(new ShardBarrier("shardId-000000000001", s_reached, true, s_reached), claims[1].BarrierFor(1));
    }

    [Fact]
    public async Task A_round_names_the_open_shards_it_does_not_read_and_claims_nothing_of_them()
    {
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        const string own = "shardId-000000000000";
        checkpointer.NoteLeases([
            new ShardLease(own, "me", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease("shardId-000000000001", "other", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease("shardId-000000000002", null, 3, SentinelCheckpoint.ShardEnd, 0, []),
        ]);
        checkpointer.Started(own, new ShardCheckpoint(null, false));
        checkpointer.Processed(own, s_reached, false, [s_reached, s_reached], null, idle: false);

        await checkpointer.CheckpointAsync(CancellationToken.None);

        var round = Assert.Single(gate.Rounds).ToDictionary(d => d.ShardId);
        Assert.False(round[own].OpenElsewhere);
        Assert.True(round["shardId-000000000002"].Ended);
        Assert.Equal(new ShardBarrier("shardId-000000000001", null, false, null, OpenElsewhere: true), round["shardId-000000000001"].BarrierFor(1));
        Assert.Null(checkpointer.GetWritten("shardId-000000000001"));

        // Only the shard it read can be rewound: a named one is not this silo's to read.
        Assert.True(checkpointer.TakeRewind(own, out _));
        Assert.False(checkpointer.TakeRewind("shardId-000000000001", out _));
    }

    [Fact]
    public async Task A_parents_ending_round_names_the_children_its_last_read_reported_until_the_lease_sync_lists_them()
    {
        // SHARD_END's round runs at once, before the lease sync creates the children's leases: unnamed, a partition
        // that never heard of them moves its watermark on the other shards once the parent ends, past their records.
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        const string parent = "shardId-000000000000", other = "shardId-000000000001";
        const string left = "shardId-000000000002", right = "shardId-000000000003";
        checkpointer.NoteLeases([
            new ShardLease(parent, "worker", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease(other, "other", 3, SentinelCheckpoint.TrimHorizon, 0, []),
        ]);
        checkpointer.Started(parent, new ShardCheckpoint(null, false));
        var parentsLast = DateTimeOffset.Parse("2026-11-29T10:00:05Z");
        checkpointer.Processed(parent, s_reached, ended: true, [s_reached, s_reached], parentsLast, idle: false, children: [left, right]);

        // Each child carries the parent's last watermark: where it starts for a partition that has none yet.
        await checkpointer.CheckpointAsync(CancellationToken.None);
        var ending = Assert.Single(gate.Rounds).ToDictionary(d => d.ShardId);
        Assert.True(ending[parent].Ended);
        Assert.Equal(new ShardBarrier(left, null, false, null, parentsLast, OpenElsewhere: true), ending[left].BarrierFor(0));
        Assert.Equal((true, parentsLast), (ending[right].OpenElsewhere, ending[right].Watermark));
        Assert.Equal((true, (DateTimeOffset?)null), (ending[other].OpenElsewhere, ending[other].Watermark));

        // Every round until the lease sync lists them, the parent's reader gone or not.
        checkpointer.Stopped(parent);
        await checkpointer.CheckpointAsync(CancellationToken.None, force: true);
        Assert.Equal([left, right], gate.Rounds[^1].Where(d => d.ShardId is left or right && d.OpenElsewhere).Select(d => d.ShardId));

        // Listed: named like any open lease, once; one that ended meanwhile is claimed ended, not named.
        checkpointer.NoteLeases([
            new ShardLease(parent, null, 4, SentinelCheckpoint.ShardEnd, 0, []),
            new ShardLease(other, "other", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease(left, "other", 3, SentinelCheckpoint.TrimHorizon, 0, [parent]),
            new ShardLease(right, null, 3, SentinelCheckpoint.ShardEnd, 0, [parent]),
        ]);
        await checkpointer.CheckpointAsync(CancellationToken.None, force: true);
        var listed = gate.Rounds[^1];
        Assert.Equal([other, left], listed.Where(d => d.OpenElsewhere).Select(d => d.ShardId).Order(StringComparer.Ordinal));
        Assert.False(Assert.Single(listed, d => d.ShardId == right).OpenElsewhere);
    }

    [Fact]
    public async Task A_merges_child_reported_by_both_parents_starts_at_the_earlier_of_their_last_watermarks()
    {
        // Either parent may end first; the child's records come after both, so the earlier end bounds them.
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        const string first = "shardId-000000000002", second = "shardId-000000000003", merged = "shardId-000000000004";
        checkpointer.NoteLeases([
            new ShardLease(first, "worker", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease(second, "worker", 3, SentinelCheckpoint.TrimHorizon, 0, []),
        ]);
        checkpointer.Started(first, new ShardCheckpoint(null, false));
        checkpointer.Started(second, new ShardCheckpoint(null, false));
        var later = DateTimeOffset.Parse("2026-11-29T10:00:09Z");
        var earlier = DateTimeOffset.Parse("2026-11-29T10:00:04Z");
        checkpointer.Processed(first, s_reached, ended: true, [s_reached, s_reached], later, idle: false, children: [merged]);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(later, Assert.Single(gate.Rounds[^1], d => d.ShardId == merged).Watermark);

        checkpointer.Processed(second, s_reached, ended: true, [s_reached, s_reached], earlier, idle: false, children: [merged]);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(earlier, Assert.Single(gate.Rounds[^1], d => d.ShardId == merged).Watermark);
    }

    [Fact]
    public async Task A_child_the_lease_sync_listed_before_its_parents_end_carries_the_parents_last_watermark_too()
    {
        // A silo behind a reshard lists the children before it reads their parent to its end. Named without a start, a
        // child holds a partition that has no watermark yet at none until it reports (the resharding test saw none at
        // every key); a shard whose parents this silo did not read carries none.
        var gate = new RecordingGate();
        var checkpointer = Checkpointer(gate);
        const string parent = "shardId-000000000000", other = "shardId-000000000001", child = "shardId-000000000002";
        checkpointer.NoteLeases([
            new ShardLease(parent, "worker", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease(other, "other", 3, SentinelCheckpoint.TrimHorizon, 0, []),
            new ShardLease(child, null, 3, SentinelCheckpoint.TrimHorizon, 0, [parent]),
        ]);
        checkpointer.Started(parent, new ShardCheckpoint(null, false));
        var parentsLast = DateTimeOffset.Parse("2026-11-29T10:00:05Z");
        checkpointer.Processed(parent, s_reached, ended: false, [s_reached, s_reached], parentsLast.AddSeconds(-1), idle: false);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Null(Assert.Single(gate.Rounds[^1], d => d.ShardId == child).Watermark);

        checkpointer.Processed(parent, s_reached, ended: true, [s_reached, s_reached], parentsLast, idle: false, children: [child]);
        await checkpointer.CheckpointAsync(CancellationToken.None, force: true);
        var ending = gate.Rounds[^1].ToDictionary(d => d.ShardId);
        Assert.Equal((true, parentsLast), (ending[child].OpenElsewhere, ending[child].Watermark));
        Assert.Null(ending[other].Watermark);
    }

    [Fact]
    public async Task On_a_quiet_stream_a_barrier_round_still_comes_every_quiet_barrier_interval()
    {
        // Nothing moves and nothing flips; only a barrier would show a partition that fell back to an older snapshot.
        var gate = new RecordingGate(gaps: false);
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-06T10:00:00Z"));
        var checkpointer = Checkpointer(gate, clock, quietBarrierInterval: TimeSpan.FromMinutes(1));
        const string shard = "shardId-000000000000";
        checkpointer.Started(shard, new ShardCheckpoint(s_reached, false));
        checkpointer.Processed(shard, s_reached, false, [s_reached, s_reached], null, idle: false);

        clock.Advance(TimeSpan.FromSeconds(59));
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Empty(gate.Rounds);

        clock.Advance(TimeSpan.FromSeconds(1));
        await checkpointer.CheckpointAsync(CancellationToken.None);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(shard, Assert.Single(Assert.Single(gate.Rounds)).ShardId);

        clock.Advance(TimeSpan.FromMinutes(1));
        await checkpointer.CheckpointAsync(CancellationToken.None);
        Assert.Equal(2, gate.Rounds.Count);
    }

    [Fact]
    public async Task A_stopped_readers_deliveries_are_never_claimed_by_a_later_round()
    {
        // The lease went to another silo: nothing moved, so no round wrote (and dropped) it; a later round must not
        // claim it for partitions the new reader feeds.
        var gate = new RecordingGate(gaps: false);
        var clock = new ManualTimeProvider(DateTimeOffset.Parse("2026-12-06T10:00:00Z"));
        var checkpointer = Checkpointer(gate, clock, quietBarrierInterval: TimeSpan.FromMinutes(1));
        const string lost = "shardId-000000000000", kept = "shardId-000000000001";
        checkpointer.Started(lost, new ShardCheckpoint(s_reached, false));
        checkpointer.Started(kept, new ShardCheckpoint(s_reached, false));
        checkpointer.Processed(lost, s_reached, false, [s_reached, s_reached], null, idle: false);
        checkpointer.Processed(kept, s_reached, false, [s_reached, s_reached], null, idle: false);

        checkpointer.Stopped(lost);
        checkpointer.Processed(kept, s_reached, false, [s_reached, s_reached], null, idle: true);
        await checkpointer.CheckpointAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await checkpointer.CheckpointAsync(CancellationToken.None);

        Assert.Equal(2, gate.Rounds.Count);
        Assert.All(gate.Rounds, round => Assert.Equal(kept, Assert.Single(round).ShardId));
    }

    private static ShardCheckpointer Checkpointer(ICheckpointGate gate, TimeProvider? time = null, TimeSpan quietBarrierInterval = default)
    {
        // No cycle here writes a lease row (a gap, or no checkpoint moved): no DynamoDB is needed.
        var dynamo = new AmazonDynamoDBClient(new BasicAWSCredentials("local", "local"), new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9", MaxErrorRetry = 0 });
        return new ShardCheckpointer(new ShardLeaseTable(dynamo, "unused"), gate, "worker", time ?? TimeProvider.System, NullLogger.Instance)
        {
            LaneCount = 2,
            QuietBarrierInterval = quietBarrierInterval,
        };
    }

    /// <param name="gaps">Report a gap for every shard (the cycle then writes no lease row), or none.</param>
    private sealed class RecordingGate(bool gaps = true) : ICheckpointGate
    {
        public List<IReadOnlyList<ShardDelivery>> Rounds { get; } = [];

        public Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken)
        {
            Rounds.Add(deliveries);
            // A named shard claims nothing, so no partition finds a gap in it.
            return Task.FromResult<IReadOnlyList<ShardGap>>(gaps ? [.. deliveries.Where(d => !d.OpenElsewhere).Select(d => new ShardGap(d.ShardId, null))] : []);
        }
    }
}
