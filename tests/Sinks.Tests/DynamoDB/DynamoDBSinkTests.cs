using Amazon.DynamoDBv2.Model;
using KinesisGrains.Sinks;
using KinesisGrains.Sinks.DynamoDB;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests.DynamoDBSinks;

public sealed class DynamoDBSinkTests(DynaliteSinkFixture dynalite) : IClassFixture<DynaliteSinkFixture>
{
    private const string State = DynaliteSinkFixture.StateName;

    private static ActivityState Activity(long events, string? note = null, int? sessions = null) => new()
    {
        Events = events,
        Sessions = sessions,
        Ratio = events / 8.0,
        Active = events % 2 == 0,
        LastSeen = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_560),
        Note = note,
        ByType = new() { ["click"] = events, ["view"] = events * 10 },
    };

    [Fact]
    public async Task Rows_of_several_epochs_leave_each_keys_latest_row_with_its_types()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("latest"));
        using var sink = DynaliteSinkFixture.Sink(options);

        var first = await sink.CommitAsync(SinkBatches.Changelog(State, 3, 1, ("u1", Activity(1, note: "first", sessions: 7)), ("u2", Activity(2, note: ""))), default);
        var second = await sink.CommitAsync(SinkBatches.Changelog(State, 3, 2, ("u1", Activity(12_345_678_901))), default);

        Assert.Equal((false, 2), (first.AlreadyCommitted, first.RowsWritten));
        Assert.Equal((false, 1), (second.AlreadyCommitted, second.RowsWritten));
        var u1 = await dynalite.ItemAsync(options.Table, "u1");
        Assert.NotNull(u1);
        Assert.Equal("u1", u1["key"].S);
        Assert.Equal("12345678901", u1["events"].N);
        Assert.Equal("1543209862.625", u1["ratio"].N);
        Assert.False(u1["active"].BOOL);
        Assert.Equal("2024-05-01T08:00:00.123456Z", u1["lastSeen"].S);
        Assert.Equal("12345678901", u1["byType"].M["click"].N);
        Assert.Equal("123456789010", u1["byType"].M["view"].N);
        Assert.Equal("2", u1[DynamoDBSink.EpochAttribute].N);
        Assert.Equal("3", u1[DynamoDBSink.PartitionAttribute].N);

        // The newer row had no note or sessions: a put replaces the item, so epoch 1's values are gone.
        Assert.False(u1.ContainsKey("note"));
        Assert.False(u1.ContainsKey("sessions"));
        Assert.False(u1.ContainsKey("deleted"));

        var u2 = await dynalite.ItemAsync(options.Table, "u2");
        Assert.NotNull(u2);
        Assert.Equal("2", u2["events"].N);
        Assert.True(u2["active"].BOOL);
        Assert.Equal("", u2["note"].S);
        Assert.Equal("1", u2[DynamoDBSink.EpochAttribute].N);
    }

    [Fact]
    public async Task A_replayed_epoch_changes_nothing_and_reports_already_committed()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("replay"));
        using (var sink = DynaliteSinkFixture.Sink(options))
        {
            await sink.CommitAsync(SinkBatches.Changelog(State, 0, 4, ("u1", Activity(4))), default);
            await sink.CommitAsync(SinkBatches.Changelog(State, 0, 5, ("u1", Activity(5))), default);
        }

        // A new sink (a restarted silo) knows the progress from the table, not from memory.
        using var restarted = DynaliteSinkFixture.Sink(options);
        var same = await restarted.CommitAsync(SinkBatches.Changelog(State, 0, 5, ("u1", Activity(500)), ("u9", Activity(9))), default);
        var older = await restarted.CommitAsync(SinkBatches.Changelog(State, 0, 4, ("u1", Activity(400))), default);
        var otherPartition = await restarted.CommitAsync(SinkBatches.Changelog(State, 1, 5, ("u7", Activity(7))), default);

        Assert.Equal((true, 0), (same.AlreadyCommitted, same.RowsWritten));
        Assert.Equal((true, 0), (older.AlreadyCommitted, older.RowsWritten));
        Assert.False(otherPartition.AlreadyCommitted);
        Assert.Equal("5", (await dynalite.ItemAsync(options.Table, "u1"))!["events"].N);
        Assert.Null(await dynalite.ItemAsync(options.Table, "u9"));

        var progress = await dynalite.ItemAsync(options.Table, $"_kgrains#{State}#changelog#0");
        Assert.Equal("5", progress!["kgrainsEpoch"].N);

        // What a partition restored behind it asks at activation, to number its next epochs above it.
        Assert.Equal(5, await restarted.CommittedEpochAsync(0, default));
        Assert.Null(await restarted.CommittedEpochAsync(3, default));

        var next = await restarted.CommitAsync(SinkBatches.Changelog(State, 0, 6, ("u1", Activity(6))), default);
        Assert.False(next.AlreadyCommitted);
        Assert.Equal("6", (await dynalite.ItemAsync(options.Table, "u1"))!["events"].N);
    }

    [Fact]
    public async Task A_changelog_deletion_removes_the_item()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("delete"));
        using var sink = DynaliteSinkFixture.Sink(options);
        await sink.CommitAsync(SinkBatches.Changelog(State, 0, 1, ("gone", Activity(1)), ("kept", Activity(2))), default);

        var result = await sink.CommitAsync(SinkBatches.Changelog<ActivityState>(State, 0, 2, ("gone", null)), default);

        Assert.Equal(1, result.RowsWritten);
        Assert.Null(await dynalite.ItemAsync(options.Table, "gone"));
        Assert.NotNull(await dynalite.ItemAsync(options.Table, "kept"));
    }

    private sealed record Click(string Session, string Page, long Sequence);

    [Fact]
    public async Task Emitted_rows_keyed_by_a_column_keep_the_last_row_of_each_value_in_a_batch()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("emitted"), o =>
        {
            o.Output = KinesisGrains.Abstractions.Sinks.SinkOutputKind.Emitted;
            o.KeyAttribute = "session";
            o.KeyColumn = "session";
        });
        using var sink = DynaliteSinkFixture.Sink(options);

        var result = await sink.CommitAsync(
            SinkBatches.Emitted(State, 2, 1, ("u1", new Click("s1", "/a", 1)), ("u1", new Click("s2", "/b", 2)), ("u1", new Click("s1", "/c", 3))),
            default);

        Assert.Equal(2, result.RowsWritten);
        var s1 = await dynalite.ItemAsync(options.Table, "s1", "session");
        Assert.Equal(("/c", "3"), (s1!["page"].S, s1["sequence"].N));
        Assert.Equal("/b", (await dynalite.ItemAsync(options.Table, "s2", "session"))!["page"].S);
    }

    [Theory]
    [InlineData(30, 2)]
    [InlineData(260, 11)]
    public async Task Many_rows_go_in_calls_of_25(int keys, int calls)
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("many"));
        var (client, faults) = FaultyDynamoDB.Wrap(dynalite.Client);
        using var sink = DynaliteSinkFixture.Sink(options, client);
        var rows = Enumerable.Range(0, keys).Select(i => ($"k{i:D4}", (ActivityState?)Activity(i))).ToArray();

        var result = await sink.CommitAsync(SinkBatches.Changelog(State, 0, 1, rows), default);

        Assert.Equal(keys, result.RowsWritten);
        Assert.Equal(calls, faults.BatchWrites.Count);
        Assert.All(faults.BatchWrites, size => Assert.InRange(size, 1, 25));
        var items = await dynalite.ScanAsync(options.Table);
        var rowItems = items.Where(i => !i["key"].S.StartsWith(DynamoDBSink.ProgressKeyPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(keys, rowItems.Count);
        Assert.Equal(
            Enumerable.Range(0, keys).Select(i => i.ToString()).Order(),
            rowItems.Select(i => i["events"].N).Order());
    }

    [Fact]
    public async Task Unprocessed_items_are_sent_again_until_written()
    {
        var name = DynaliteSinkFixture.NewName("unprocessed");
        var options = dynalite.Options(name, o => o.MaxParallelWrites = 1);
        var (client, faults) = FaultyDynamoDB.Wrap(dynalite.Client);
        using var sink = DynaliteSinkFixture.Sink(options, client);
        using var metrics = new SinkMeasurements(name);
        faults.LeaveHalfUnprocessed(calls: 3);
        var rows = Enumerable.Range(0, 40).Select(i => ($"k{i}", (ActivityState?)Activity(i))).ToArray();

        var result = await sink.CommitAsync(SinkBatches.Changelog(State, 0, 1, rows), default);

        Assert.Equal(40, result.RowsWritten);

        // 25 → 12 written, 13 left → 6 written, 7 left → 3 written, 4 left → all; then the last 15.
        Assert.Equal([25, 13, 7, 4, 15], faults.BatchWrites);
        Assert.Equal(13 + 7 + 4, metrics.Total("kgrains.sink.retries"));
        Assert.Equal(40, metrics.Total("kgrains.sink.rows_written"));
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(i.ToString(), (await dynalite.ItemAsync(options.Table, $"k{i}"))?["events"].N);
        }
    }

    [Fact]
    public async Task Items_still_unprocessed_after_max_attempts_fail_the_commit_and_the_epoch_can_come_again()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("give-up"), o => o.MaxAttempts = 3);
        var (client, faults) = FaultyDynamoDB.Wrap(dynalite.Client);
        using var sink = DynaliteSinkFixture.Sink(options, client);
        var batch = SinkBatches.Changelog(State, 0, 1, Enumerable.Range(0, 10).Select(i => ($"k{i}", (ActivityState?)Activity(i))).ToArray());
        faults.LeaveHalfUnprocessed(calls: 3);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.CommitAsync(batch, default));

        Assert.Contains("MaxAttempts", error.Message);
        Assert.Null(await dynalite.ItemAsync(options.Table, $"_kgrains#{State}#changelog#0"));
        var again = await sink.CommitAsync(batch, default);
        Assert.Equal((false, 10), (again.AlreadyCommitted, again.RowsWritten));
        Assert.NotNull(await dynalite.ItemAsync(options.Table, "k9"));
    }

    [Fact]
    public async Task A_throttled_call_is_sent_again_after_a_back_off()
    {
        var name = DynaliteSinkFixture.NewName("throttle");
        var options = dynalite.Options(name);
        var (client, faults) = FaultyDynamoDB.Wrap(dynalite.Client);
        using var sink = DynaliteSinkFixture.Sink(options, client);
        using var metrics = new SinkMeasurements(name);
        faults.Throttle(calls: 2);

        var result = await sink.CommitAsync(SinkBatches.Changelog(State, 0, 1, ("u1", Activity(1))), default);

        Assert.Equal(1, result.RowsWritten);
        Assert.Equal([1, 1, 1], faults.BatchWrites);
        Assert.Equal(2, metrics.Total("kgrains.sink.throttles"));
        Assert.Equal(1, metrics.Count("kgrains.sink.commit_duration"));
        Assert.NotNull(await dynalite.ItemAsync(options.Table, "u1"));
    }

    private sealed record Reading(string Sensor, double Value);

    [Fact]
    public async Task A_value_DynamoDB_cannot_hold_fails_the_commit_naming_the_row()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("bad-row"), o => o.Output = KinesisGrains.Abstractions.Sinks.SinkOutputKind.Emitted);
        using var sink = DynaliteSinkFixture.Sink(options);

        var error = await Assert.ThrowsAsync<SinkRowException>(() =>
            sink.CommitAsync(SinkBatches.Emitted(State, 0, 1, ("a", new Reading("t1", 1.5)), ("b", new Reading("t2", 1e300))), default));

        Assert.Equal($"{State}/0/1/e1", error.RowId);
        Assert.Contains("'value'", error.Message);
        Assert.Null(await dynalite.ItemAsync(options.Table, "a"));

        // Large and small doubles go as exponent notation, which DynamoDB numbers take.
        await sink.CommitAsync(SinkBatches.Emitted(State, 0, 2, ("a", new Reading("t1", 1e20)), ("b", new Reading("t2", -2.5e-7))), default);
        Assert.Equal(1e20, double.Parse((await dynalite.ItemAsync(options.Table, "a"))!["value"].N, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(-2.5e-7, double.Parse((await dynalite.ItemAsync(options.Table, "b"))!["value"].N, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_missing_table_is_not_created_unless_asked()
    {
        var options = dynalite.Options(DynaliteSinkFixture.NewName("missing"), o => o.CreateTableIfMissing = false);
        using var sink = DynaliteSinkFixture.Sink(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            sink.CommitAsync(SinkBatches.Changelog(State, 0, 1, ("u1", Activity(1))), default));

        Assert.Contains($"Sinks:{options.Name}:CreateTableIfMissing", error.Message);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => dynalite.Client.DescribeTableAsync(options.Table));
    }
}
