using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Simulation;

/// <summary>
/// Seeds of the deterministic simulation. <c>SIM_SEEDS=N</c> runs N seeds instead of the default;
/// <c>SIM_SEED=k</c> replays one seed (with <c>SIM_TRACE=1</c> and the console logger at detailed verbosity, every step's
/// note is printed). Every failure prints one line with the command that replays it.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private const int DefaultSeeds = 10_000;
    private const int HoleSearchSeeds = 5_000;

    [Fact]
    public void All_rules_on_every_seed_keeps_exactly_once()
    {
        var result = Run(new SimulationOptions(), Seeds(DefaultSeeds), stopAtFirst: false, nameof(All_rules_on_every_seed_keeps_exactly_once));
        Assert.True(result.Failures.Count == 0, $"{result.Failures.Count} of {result.Seeds} seeds failed; first: {result.Failures.FirstOrDefault()}");

        // The rescale step bites: merged partitions hold shards to different points and skip what they inherited.
        Assert.True(
            result.Seeds < 100 || result.Stats.GetValueOrDefault("rescaled partition with floors") > 0 && result.Stats.GetValueOrDefault("inherited event skipped") > 0,
            $"no rescale left floors to skip by in {result.Seeds} seeds");

        // Spread views too: parts moved whole up, and merged where they meet down.
        Assert.True(
            result.Seeds < 100 || result.Stats.GetValueOrDefault("rescale spread up") > 0 && result.Stats.GetValueOrDefault("rescale spread merged parts") > 0,
            $"no spread view rescaled up and merged down in {result.Seeds} seeds");
    }

    [Fact]
    public void Finds_hole_2_when_no_entry_counts_as_proof() =>
        FindsHole(new SimulationOptions { NoEntryIsProof = true }, nameof(Finds_hole_2_when_no_entry_counts_as_proof));

    [Fact]
    public void Finds_hole_5_when_a_zombie_snapshot_is_not_fenced() =>
        FindsHole(new SimulationOptions { Unfenced = true }, nameof(Finds_hole_5_when_a_zombie_snapshot_is_not_fenced));

    [Fact]
    public void Finds_rule_8_broken_when_checkpoints_move_backwards() =>
        FindsHole(new SimulationOptions { CheckpointBackwards = true }, nameof(Finds_rule_8_broken_when_checkpoints_move_backwards));

    /// <summary>
    /// Hole 4 switched on is not a loss any more: a barrier carries each partition's LastSent, and a partition that
    /// does not hold it reports a gap, so a read counted as delivered too early only costs rewinds. The test pins
    /// that defence in depth: no failure, and more rewinds than with the rule on.
    /// </summary>
    [Fact]
    public void Hole_4_purge_by_max_is_caught_by_the_barriers_last_sent()
    {
        const int seeds = 500;
        var on = Run(new SimulationOptions(), Seeds(seeds), stopAtFirst: false, nameof(Hole_4_purge_by_max_is_caught_by_the_barriers_last_sent));
        var off = Run(new SimulationOptions { PurgeByMax = true }, Seeds(seeds), stopAtFirst: false, nameof(Hole_4_purge_by_max_is_caught_by_the_barriers_last_sent));
        Assert.Empty(off.Failures);
        Assert.True(off.Stats.GetValueOrDefault("rewind") > on.Stats.GetValueOrDefault("rewind") || off.Seeds == 1, $"PurgeByMax rewinds {off.Stats.GetValueOrDefault("rewind")}, rule on {on.Stats.GetValueOrDefault("rewind")}");
    }

    /// <summary>Rule 4 after shard end: without the ended shards' claims a partition that fell back behind a SHARD_END loses records.</summary>
    [Fact]
    public void Finds_rule_4_hole_when_ended_shards_are_not_replayed() =>
        FindsHole(new SimulationOptions { NoEndedShardReplay = true }, nameof(Finds_rule_4_hole_when_ended_shards_are_not_replayed));

    /// <summary>Savepoints: a restore that brings the snapshots back but not the checkpoints loses what lies between them.</summary>
    [Fact]
    public void Finds_records_lost_when_a_savepoint_restore_keeps_the_checkpoints() =>
        FindsHole(new SimulationOptions { SavepointKeepsCheckpoints = true }, nameof(Finds_records_lost_when_a_savepoint_restore_keeps_the_checkpoints));

    /// <summary>
    /// Rescales: parts of a merged partition held a shard to different points, so one mark per shard (the latest of
    /// theirs, coverage the earliest, no floors) skips what the part behind still owes, or claims what it lacks.
    /// </summary>
    [Fact]
    public void Finds_a_hole_when_a_rescale_merges_ledgers_into_one_mark() =>
        FindsHole(new SimulationOptions { RescaleWithOneMark = true }, nameof(Finds_a_hole_when_a_rescale_merges_ledgers_into_one_mark));

    /// <summary>
    /// Rescales: a merged partition's watermark must be the latest of its parts'. The earliest opens again a window a part
    /// had fired, for a late event of its key, and the timer fires a second row.
    /// </summary>
    [Fact]
    public void Finds_timers_fired_twice_when_a_rescale_takes_the_earliest_watermark() =>
        FindsHole(new SimulationOptions { RescaleEarliestWatermark = true }, nameof(Finds_timers_fired_twice_when_a_rescale_takes_the_earliest_watermark), "timer fired twice");

    /// <summary>
    /// Rescales of a spread view: a new partition's floors are cut by the events' routing (primary) key, so it must tell
    /// the events it inherited by that key's hash. By the view key's (one global key) it applies again the events
    /// another partition's part holds, or skips events no part holds.
    /// </summary>
    [Fact]
    public void Finds_a_hole_when_a_spread_rescale_skips_inherited_events_by_the_view_key() =>
        FindsHole(new SimulationOptions { RescaleSpreadByViewKey = true }, nameof(Finds_a_hole_when_a_spread_rescale_skips_inherited_events_by_the_view_key));

    /// <summary>
    /// Rescales of a spread view: each old partition's part moves whole to the new partition of its first hash, where the
    /// ledger holds its events. Put where the key's hash says (as a key not spread), parts overwrite each other.
    /// </summary>
    [Fact]
    public void Finds_parts_lost_when_a_spread_rescale_moves_parts_by_the_key_hash() =>
        FindsHole(new SimulationOptions { RescaleSpreadPartsByKeyHash = true }, nameof(Finds_parts_lost_when_a_spread_rescale_moves_parts_by_the_key_hash));

    /// <summary>Sinks: a partition restored behind the sink's committed epoch must number its next epochs above it, or their rows are skipped.</summary>
    [Fact]
    public void Finds_sink_rows_lost_when_epochs_are_reused_after_a_fallback() =>
        FindsHole(new SimulationOptions { NoSinkEpochBump = true }, nameof(Finds_sink_rows_lost_when_epochs_are_reused_after_a_fallback));

    /// <summary>Sinks at their own commit intervals: each must be handed only the epochs after its own last one.</summary>
    [Fact]
    public void Finds_sink_rows_doubled_when_every_sink_gets_every_staged_epoch() =>
        FindsHole(new SimulationOptions { NoPerSinkEpochs = true }, nameof(Finds_sink_rows_doubled_when_every_sink_gets_every_staged_epoch));

    /// <summary>
    /// Sinks: a commit that landed but failed for the partition must be repeated as that very batch (its epochs, its
    /// number) before any later epoch; folded into the next batch under the newest epoch's number, the sink takes it as
    /// new and commits the landed epoch's rows again (SinkKillTests' doubled session rows).
    /// </summary>
    [Fact]
    public void Finds_sink_rows_doubled_when_a_failed_commit_that_landed_is_folded_into_a_later_batch() =>
        FindsHole(new SimulationOptions { NoUnsettledRepeat = true }, nameof(Finds_sink_rows_doubled_when_a_failed_commit_that_landed_is_folded_into_a_later_batch), "sink row duplicated");

    /// <summary>Timers: a firing's row and its timer's delete must be in one write, or a kill between them fires the timer twice.</summary>
    [Fact]
    public void Finds_timers_fired_twice_when_the_row_and_the_delete_are_separate_writes() =>
        FindsHole(new SimulationOptions { FireTimersOutsideBatch = true }, nameof(Finds_timers_fired_twice_when_the_row_and_the_delete_are_separate_writes), "timer fired twice");

    /// <summary>
    /// Timers: a chunk fired from memory (timers registered since the last write among them) must be written with the
    /// events applied before it, or a restore replays the events, registers the timers again and fires them twice.
    /// </summary>
    [Fact]
    public void Finds_timers_fired_twice_when_a_chunk_fired_from_memory_is_written_without_its_events() =>
        FindsHole(new SimulationOptions { FiredWithoutTheirEvents = true }, nameof(Finds_timers_fired_twice_when_a_chunk_fired_from_memory_is_written_without_its_events));

    /// <summary>
    /// Rule 4 after SHARD_END: a graceful stop's last rounds must claim the ended shards' ends as every round does, or a
    /// partition that fell back behind one moves wm(p) on the open shards, and the ended shard's records, replayed after
    /// the stop, go late. Seed 22433, outside the 10,000 seeds of the run with all rules on, is where it was found: it
    /// fails there with the switch and passes without.
    /// </summary>
    [Fact]
    public void Finds_late_records_when_a_graceful_stop_claims_no_ended_shard()
    {
        // The seed's schedule as it was found: before hand-overs joined the steps.
        var found = Run(new SimulationOptions { StopWithoutEndedClaims = true, HandOvers = false }, [22433], stopAtFirst: true, nameof(Finds_late_records_when_a_graceful_stop_claims_no_ended_shard));
        Assert.Contains(": late by a shard not counted: ", Assert.Single(found.Failures));
        var ruleOn = Run(new SimulationOptions { HandOvers = false }, [22433], stopAtFirst: true, nameof(Finds_late_records_when_a_graceful_stop_claims_no_ended_shard));
        Assert.Empty(ruleOn.Failures);
    }

    /// <summary>
    /// A hand-over names no shard: counted as a round, an activation that never heard one (restored behind, or before a
    /// child shard reached its image) moves wm(p) on the shards it knows and writes it.
    /// </summary>
    [Fact]
    public void Finds_a_hand_over_that_counts_as_a_round() =>
        FindsHole(new SimulationOptions { HandOverHearsOpenShards = true }, nameof(Finds_a_hand_over_that_counts_as_a_round), "late by a shard not counted");

    /// <summary>Timers: wm(p) and wm(s) are written with the state and restored, or the watermark goes back after a kill.</summary>
    [Fact]
    public void Finds_the_watermark_moving_backwards_when_it_is_not_persisted() =>
        FindsHole(new SimulationOptions { NoPersistedWatermark = true }, nameof(Finds_the_watermark_moving_backwards_when_it_is_not_persisted), "watermark moved backwards");

    /// <summary>
    /// Views: each partition grain must be told the LastSent of its own view's lane. Told the primary view's, a view's
    /// partition vouches for batches of its lane it lacks (coverage that lies, 92 of 1,500 seeds when this was
    /// written) or refuses to vouch for good, so no checkpoint moves (388 seeds).
    /// </summary>
    [Fact]
    public void Finds_a_hole_when_a_views_partitions_get_the_primary_views_barriers() =>
        FindsHole(new SimulationOptions { PrimaryLaneBarriers = true }, nameof(Finds_a_hole_when_a_views_partitions_get_the_primary_views_barriers));

    /// <summary>
    /// Event time: a reader restarted at the tip reads nothing, so only it can tell the partitions (which restored its
    /// shard as active) that the shard is idle; silent, it holds their watermarks back for good.
    /// </summary>
    [Fact]
    public void Finds_watermarks_held_back_when_a_restarted_idle_reader_says_nothing() =>
        FindsHole(new SimulationOptions { SilentIdleReaders = true }, nameof(Finds_watermarks_held_back_when_a_restarted_idle_reader_says_nothing), "watermark held back");

    /// <summary>
    /// Event time: a partition that refuses a shard (a gap) must hold its watermark for it, or the shard's replayed
    /// events find their windows closed by the other shards' watermarks and go to the late output.
    /// </summary>
    [Fact]
    public void Finds_replayed_events_made_late_when_a_refused_shard_does_not_hold_the_watermark() =>
        FindsHole(new SimulationOptions { NoGapHold = true }, nameof(Finds_replayed_events_made_late_when_a_refused_shard_does_not_hold_the_watermark), "late by a shard not counted");

    /// <summary>
    /// Event time: every barrier round names the open shards it does not read, and a partition moves its watermark only
    /// after a round of its activation; else a partition restored from before it heard of a shard (or a fresh one)
    /// moves it on the shards it knows, and that shard's events come late (the sessions kill test's hole).
    /// </summary>
    [Fact]
    public void Finds_events_made_late_when_partitions_are_not_told_the_open_shards() =>
        FindsHole(new SimulationOptions { NoOpenShardNames = true }, nameof(Finds_events_made_late_when_partitions_are_not_told_the_open_shards), "late by a shard not counted");

    /// <summary>
    /// Event time: a parent's ending round names the children its last read reported until the lease sync lists them;
    /// else, when the end comes first, a partition that never heard of them moves its watermark on the other shards
    /// (which run ahead in the skewed seeds) past the children's records, and they come late.
    /// </summary>
    [Fact]
    public void Finds_events_made_late_when_children_are_not_named_before_the_lease_sync_lists_them() =>
        FindsHole(new SimulationOptions { NoChildrenNamed = true }, nameof(Finds_events_made_late_when_children_are_not_named_before_the_lease_sync_lists_them), "late by a shard not counted");

    /// <param name="invariant">When given, the invariant the first failure must name (the check the switch is meant to trip).</param>
    private void FindsHole(SimulationOptions options, string test, string? invariant = null)
    {
        var result = Run(options, Seeds(HoleSearchSeeds), stopAtFirst: true, test);
        Assert.True(result.Failures.Count > 0, $"{options.Describe()}: no failure in {result.Seeds} seeds");
        if (invariant is not null)
        {
            Assert.Contains($": {invariant}: ", result.Failures[0]);
        }
    }

    /// <summary>The seeds to run: SIM_SEED replays one, SIM_SEEDS overrides the count.</summary>
    private static IEnumerable<int> Seeds(int count)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("SIM_SEED"), out var one))
        {
            return [one];
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("SIM_SEEDS"), out var many))
        {
            count = many;
        }

        return Enumerable.Range(1, count);
    }

    private RunResult Run(SimulationOptions options, IEnumerable<int> seeds, bool stopAtFirst, string test)
    {
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var failures = new List<string>();
        var run = 0;
        var stats = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            run++;
            try
            {
                var simulation = new Simulation(seed, options);
                try
                {
                    simulation.Run();
                }
                finally
                {
                    foreach (var (what, count) in simulation.Stats)
                    {
                        stats[what] = stats.GetValueOrDefault(what) + count;
                    }
                }
            }
            catch (SimulationFailure failure)
            {
                var line = $"{options.Describe()}: {failure.Message} -- replay: SIM_SEED={seed} dotnet test tests/Simulation.Tests --filter \"FullyQualifiedName~{test}\"";
                failures.Add(line);
                output.WriteLine(line);
                if (stopAtFirst || failures.Count >= 20)
                {
                    break;
                }
            }
        }

        var summary = $"{options.Describe()}: {run} seeds in {watch.Elapsed.TotalSeconds:F1} s (cpu {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s), {failures.Count} failed{(stopAtFirst && failures.Count > 0 ? $" (found after {run} seeds)" : "")}";
        summary += " [" + string.Join(", ", stats.Select(s => $"{s.Key}: {s.Value}")) + "]";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        return new RunResult(run, failures, stats);
    }

    private sealed record RunResult(int Seeds, List<string> Failures, SortedDictionary<string, long> Stats);
}
