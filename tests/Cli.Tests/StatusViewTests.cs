using System.Text.Json;
using KinesisGrains.Cli.Status;
using Spectre.Console;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The status tables from a /status document (pure rendering; the real endpoint is in ReadmeCommandTests).</summary>
public sealed class StatusViewTests
{
    private const string Status = """
        {
          "siloId": "S127.0.0.1:11111:1", "applicationName": "app", "streamName": "clickstream", "caughtUp": false,
          "recordsRead": 1234567, "eventsApplied": 1234000, "deadLettered": 2, "partitions": 2, "checkpointCycles": 7,
          "lastCheckpointAt": "2026-11-29T23:00:00+00:00", "fetchBufferMemoryBytes": 2097152, "fetchBufferSpilledBytes": 0,
          "shards": [
            { "shardId": "shardId-000000000000", "state": 2, "recordsRead": 1200000, "eventsApplied": 1200000, "deadLettered": 2,
              "lastSequenceNumber": "49654938123456789012345678901234567890123456789012345678",
              "checkpoint": "49654938123456789012345678901234567890123456789012349999", "millisBehindLatest": 1500, "caughtUp": false, "lastError": null },
            { "shardId": "shardId-000000000001", "owner": "S127.0.0.1:22222:2", "state": 3, "recordsRead": 34567, "eventsApplied": 34000,
              "deadLettered": 0, "lastSequenceNumber": null, "checkpoint": "SHARD_END", "millisBehindLatest": 0, "caughtUp": true, "lastError": null }
          ],
          "partitionStates": [
            { "partition": 0, "keys": 5000, "stateBytes": 1048576, "lastSnapshotAt": "2026-11-29T22:59:00+00:00" },
            { "partition": 1, "keys": 4999, "stateBytes": 524288, "lastSnapshotAt": null }
          ]
        }
        """;

    [Fact]
    public void Shards_show_owner_checkpoint_records_and_lag()
    {
        var lines = Render(Status);

        var first = Assert.Single(lines, l => l.Contains("shardId-000000000000"));
        Assert.Contains("S127.0.0.1:11111:1", first);        // no owner field: the silo that reports it
        Assert.Contains("…12349999", first);   // the checkpoint's tail
        Assert.Contains("1,200,000", first);
        Assert.Contains("1.5 s", first);
        Assert.Contains("reading", first);
        var second = Assert.Single(lines, l => l.Contains("shardId-000000000001"));
        Assert.Contains("S127.0.0.1:22222:2", second);
        Assert.Contains("SHARD_END", second);
        Assert.Contains("0 ms", second);
        Assert.Contains("ended", second);
    }

    [Fact]
    public void Partition_details_a_silo_reports_get_a_table_with_their_own_columns()
    {
        var lines = Render(Status);

        Assert.Contains(lines, l => l.Contains("partitionStates"));
        var header = Assert.Single(lines, l => l.Contains("stateBytes"));
        Assert.Contains("keys", header);
        Assert.Contains(lines, l => l.Contains("5,000") && l.Contains("1,048,576") && l.Contains("2026-11-29T22:59:00+00:00"));
        Assert.Contains(lines, l => l.Contains("4,999") && l.Contains("524,288"));
    }

    [Fact]
    public void Progress_for_the_wait_comes_from_the_totals_and_the_shards()
    {
        using var document = JsonDocument.Parse(Status);

        var progress = SiloStatusView.ReadProgress(document.RootElement);

        Assert.Equal(new SiloStatusView.Progress(1234567, 1234000, false, 2, 1, 1500), progress);
    }

    [Fact]
    public void A_sparse_document_renders_with_dashes()
    {
        var lines = Render("""{ "shards": [ { "shardId": "shardId-000000000007" } ] }""");

        Assert.Contains(lines, l => l.Contains("shardId-000000000007") && l.Contains('-'));
    }

    private static List<string> Render(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 220;
        SiloStatusView.Write(console, document.RootElement);
        return [.. writer.ToString().Split('\n')];
    }
}
