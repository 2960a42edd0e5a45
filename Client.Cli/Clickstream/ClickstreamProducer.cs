using System.Diagnostics;
using System.Text.Json;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.Cli.Clickstream;

/// <summary>
/// Writes a generated clickstream to a stream with PutRecords (500 per call, several calls in flight), retrying the
/// entries Kinesis rejects, and counts into the ground truth only what Kinesis acknowledged.
/// </summary>
/// <remarks>
/// A call the client retries after its request timeout may have landed the first time (Kinesis has no idempotent
/// put), which would put records in the stream twice that the truth counts once: give the client a timeout longer
/// than the stream ever takes to answer.
/// </remarks>
public sealed class ClickstreamProducer(KinesisClient kinesis, string streamName)
{
    private const int EntriesPerCall = 500;
    private const int MaxAttemptsPerEntry = 10;

    public int Concurrency { get; init; } = 4;

    /// <summary>Records per second at most; 0 for as fast as Kinesis takes them.</summary>
    public int RecordsPerSecond { get; init; }

    /// <param name="start">The first event's timestamp (events are about 3 ms apart); default: an hour ago.</param>
    public async Task<ProduceResult> ProduceAsync(
        int records, int keys, int seed, GroundTruth truth, IProgress<long>? progress = null, DateTimeOffset? start = null, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var generator = new ClickstreamGenerator(keys, seed, start ?? now.AddHours(-1).AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)));
        var stopwatch = Stopwatch.StartNew();
        var inFlight = new List<Task<List<ClickEvent>>>();
        long written = 0;
        var produced = 0;
        while (produced < records || inFlight.Count > 0)
        {
            while (produced < records && inFlight.Count < Concurrency)
            {
                var batch = new List<ClickEvent>(Math.Min(EntriesPerCall, records - produced));
                while (batch.Count < batch.Capacity)
                {
                    batch.Add(generator.Next());
                }

                produced += batch.Count;
                inFlight.Add(PutAsync(batch, cancellationToken));
                await ThrottleAsync(produced, stopwatch, cancellationToken);
            }

            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            foreach (var item in await done)
            {
                truth.Add(item);
            }

            written = truth.Events;
            progress?.Report(written);
        }

        return new ProduceResult(written, stopwatch.Elapsed);
    }

    private async Task ThrottleAsync(int produced, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        if (RecordsPerSecond <= 0)
        {
            return;
        }

        var due = TimeSpan.FromSeconds((double)produced / RecordsPerSecond) - stopwatch.Elapsed;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
        }
    }

    /// <summary>Puts a batch; returns the events Kinesis acknowledged (all of them unless retries ran out).</summary>
    private async Task<List<ClickEvent>> PutAsync(List<ClickEvent> batch, CancellationToken cancellationToken)
    {
        var acknowledged = new List<ClickEvent>(batch.Count);
        var pending = batch;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var entries = pending
                .Select(e => new PutRecordsRequestEntry(JsonSerializer.SerializeToUtf8Bytes(e, StateSerializer.Options), e.UserId))
                .ToList();
            var response = await kinesis.PutRecordsAsync(streamName, entries, cancellationToken);
            var failed = new List<ClickEvent>();
            for (var i = 0; i < pending.Count; i++)
            {
                (response.Records[i].IsSuccess ? acknowledged : failed).Add(pending[i]);
            }

            if (failed.Count > 0 && attempt == MaxAttemptsPerEntry)
            {
                throw new InvalidOperationException(
                    $"{failed.Count} records were still rejected after {MaxAttemptsPerEntry} attempts: {response.Records.First(r => !r.IsSuccess).ErrorCode}");
            }

            if (failed.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }

            pending = failed;
        }

        return acknowledged;
    }
}

public readonly record struct ProduceResult(long Records, TimeSpan Elapsed)
{
    public double RecordsPerSecond => Records / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
