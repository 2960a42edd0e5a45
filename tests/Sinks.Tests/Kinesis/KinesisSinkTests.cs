using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Sinks;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests.KinesisSinks;

public sealed class KinesisSinkTests(KinesaliteSinkFixture kinesalite) : IClassFixture<KinesaliteSinkFixture>
{
    private const string State = KinesaliteSinkFixture.StateName;

    private sealed record PageView(string User, string Page, long Millis, string Padding = "");

    private static SinkEpochBatch Views(int partition, long epoch, int rows, int users = 7, int padding = 0) =>
        SinkBatches.Emitted(State, partition, epoch, Enumerable.Range(0, rows)
            .Select(i => ($"user-{i % users}", new PageView($"user-{i % users}", $"/p/{i}", i, new string('x', padding))))
            .ToArray());

    /// <summary>A record's data: the row id, key, partition and epoch around the row's JSON.</summary>
    private sealed record Envelope(string RowId, string Key, int Partition, long Epoch, JsonElement Row);

    private static Envelope Open(KinesisRecord record) => JsonSerializer.Deserialize<Envelope>(record.Data, SinkBatches.Web)!;

    [Fact]
    public async Task Rows_land_in_the_stream_keyed_by_their_state_key_with_their_row_id_inside()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("land"));
        using var sink = kinesalite.Sink(options);
        var batch = Views(partition: 5, epoch: 9, rows: 20);

        var result = await sink.CommitAsync(batch, default);

        Assert.Equal((false, 20), (result.AlreadyCommitted, result.RowsWritten));
        var records = await kinesalite.ReadAllAsync(options.StreamName);
        Assert.Equal(20, records.Count);
        var sent = batch.Rows.ToDictionary(r => r.RowId);
        foreach (var record in records)
        {
            var envelope = Open(record);
            var row = sent[envelope.RowId];
            Assert.Equal(row.Key, record.PartitionKey);
            Assert.Equal((row.Key, 5, 9L), (envelope.Key, envelope.Partition, envelope.Epoch));
            Assert.Equal(Encoding.UTF8.GetString(row.Json.Span), envelope.Row.GetRawText());
        }

        Assert.Equal(sent.Keys.Order(), records.Select(r => Open(r).RowId).Order());

        // One key, one shard: its records keep their order there.
        foreach (var key in records.GroupBy(r => r.PartitionKey))
        {
            var sequence = key.Select(r => Open(r).Row.GetProperty("millis").GetInt64()).ToList();
            Assert.Equal(sequence.Order(), sequence);
        }
    }

    [Fact]
    public async Task More_than_500_rows_span_several_calls()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("many"));
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);

        await sink.CommitAsync(Views(0, 1, rows: 1_234, users: 50), default);

        Assert.Equal([500, 500, 234], handler.Calls.Select(c => c.Entries));
        var records = await kinesalite.ReadAllAsync(options.StreamName);
        Assert.Equal(1_234, records.Select(r => Open(r).RowId).Distinct().Count());
    }

    [Fact]
    public async Task A_call_holds_at_most_5_MiB()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("bytes"));
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);

        await sink.CommitAsync(Views(0, 1, rows: 12, padding: 900_000), default);

        Assert.Equal([5, 5, 2], handler.Calls.Select(c => c.Entries));
        Assert.All(handler.Calls, call => Assert.InRange(call.Bytes, 1, 5 * 1024 * 1024));
        Assert.Equal(12, (await kinesalite.ReadAllAsync(options.StreamName)).Count);
    }

    [Fact]
    public async Task A_row_over_1_MiB_fails_the_commit_naming_it_before_anything_is_sent()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("huge"));
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);
        var rows = Views(0, 1, rows: 3).Rows.ToList();
        rows[2] = new SinkRow(rows[2].RowId, rows[2].Key, JsonSerializer.SerializeToUtf8Bytes(new PageView("user-2", "/big", 2, new string('x', 1024 * 1024)), SinkBatches.Web));

        var error = await Assert.ThrowsAsync<SinkRowException>(() =>
            sink.CommitAsync(new SinkEpochBatch(State, 0, 1, SinkOutputKind.Emitted, RowSchema.For(typeof(PageView)), rows), default));

        Assert.Equal(rows[2].RowId, error.RowId);
        Assert.Contains(rows[2].RowId, error.Message);
        Assert.Empty(handler.Calls);
    }

    [Fact]
    public async Task An_epoch_sent_again_gives_duplicates_with_equal_row_ids()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("resend"));
        var batch = Views(1, 3, rows: 10);
        using (var sink = kinesalite.Sink(options))
        {
            await sink.CommitAsync(batch, default);
        }

        // A restarted silo has no memory of what it sent.
        using var restarted = kinesalite.Sink(options);
        var again = await restarted.CommitAsync(batch, default);

        Assert.False(again.AlreadyCommitted);
        var records = await kinesalite.ReadAllAsync(options.StreamName);
        Assert.Equal(20, records.Count);
        Assert.Equal(10, records.Select(r => Open(r).RowId).Distinct().Count());
        Assert.All(records.GroupBy(r => Open(r).RowId), copies =>
        {
            Assert.Equal(2, copies.Count());
            Assert.Equal(copies.First().Data, copies.Last().Data);
        });
    }

    [Fact]
    public async Task An_epoch_this_process_sent_is_skipped_unless_told_otherwise()
    {
        var skipping = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("skip"));
        var sending = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("noskip"), configure: o => o.SkipEpochsSentInProcess = false);
        using var skipper = kinesalite.Sink(skipping);
        using var sender = kinesalite.Sink(sending);

        foreach (var sink in new[] { skipper, sender })
        {
            await sink.CommitAsync(Views(0, 4, rows: 3), default);
            await sink.CommitAsync(Views(1, 2, rows: 1), default);
        }

        var same = await skipper.CommitAsync(Views(0, 4, rows: 3), default);
        var older = await skipper.CommitAsync(Views(0, 3, rows: 3), default);
        var otherPartition = await skipper.CommitAsync(Views(1, 3, rows: 1), default);
        var resent = await sender.CommitAsync(Views(0, 4, rows: 3), default);

        Assert.Equal((true, true, false, false), (same.AlreadyCommitted, older.AlreadyCommitted, otherPartition.AlreadyCommitted, resent.AlreadyCommitted));
        Assert.Equal(3 + 1 + 1, (await kinesalite.ReadAllAsync(skipping.StreamName)).Count);
        Assert.Equal(3 + 1 + 3, (await kinesalite.ReadAllAsync(sending.StreamName)).Count);

        // A partition restored behind what was skipped here must number its next epochs above it, or they are skipped.
        Assert.Equal((4L, 3L, (long?)null), ((await skipper.CommittedEpochAsync(0, default))!.Value, (await skipper.CommittedEpochAsync(1, default))!.Value, await skipper.CommittedEpochAsync(2, default)));
        Assert.Null(await sender.CommittedEpochAsync(0, default));
    }

    [Fact]
    public async Task Failed_entries_of_a_call_are_sent_again_and_only_they()
    {
        var name = KinesaliteSinkFixture.NewName("partial");
        var options = await kinesalite.NewStreamAsync(name);
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);
        using var metrics = new SinkMeasurements(name);
        handler.FailEveryThirdEntry(calls: 2);

        var result = await sink.CommitAsync(Views(0, 1, rows: 30), default);

        Assert.Equal(30, result.RowsWritten);

        // 30 → 10 fail (1, 4, ..., 28) → of those 3 fail again → sent once more.
        Assert.Equal([30, 10, 3], handler.Calls.Select(c => c.Entries));
        Assert.Equal(10 + 3, metrics.Total("kgrains.sink.retries"));
        Assert.Equal(10 + 3, metrics.Total("kgrains.sink.throttles"));
        Assert.Equal(30, metrics.Total("kgrains.sink.rows_written"));
        var records = await kinesalite.ReadAllAsync(options.StreamName);
        Assert.Equal(30, records.Count);
        Assert.Equal(30, records.Select(r => Open(r).RowId).Distinct().Count());
    }

    [Fact]
    public async Task A_throttled_call_is_sent_again_after_a_back_off()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("throttle"));
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);
        handler.Throttle(calls: 2);

        await sink.CommitAsync(Views(0, 1, rows: 4), default);

        Assert.Equal([true, true, false], handler.Calls.Select(c => c.Faulted));
        Assert.Equal(4, (await kinesalite.ReadAllAsync(options.StreamName)).Count);
    }

    [Fact]
    public async Task Entries_still_failing_after_max_attempts_fail_the_commit_and_the_epoch_is_not_taken_as_sent()
    {
        var options = await kinesalite.NewStreamAsync(KinesaliteSinkFixture.NewName("give-up"), configure: o => o.MaxAttempts = 2);
        using var handler = new PutRecordsFaultHandler();
        using var sink = kinesalite.Sink(options, handler);
        handler.FailEveryThirdEntry(calls: 2);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.CommitAsync(Views(0, 1, rows: 9), default));
        var again = await sink.CommitAsync(Views(0, 1, rows: 9), default);

        Assert.Contains("MaxAttempts", error.Message);
        Assert.Contains("ProvisionedThroughputExceededException", error.Message);
        Assert.False(again.AlreadyCommitted);

        // The first attempt wrote 6, its retry 2 of 3; the hand-over again wrote all 9.
        var records = await kinesalite.ReadAllAsync(options.StreamName);
        Assert.Equal(6 + 2 + 9, records.Count);
        Assert.Equal(9, records.Select(r => Open(r).RowId).Distinct().Count());
    }
}
