using System.Diagnostics;
using KinesisGrains.Cli.Clickstream;
using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// The records of the fault run: about 300 clickstream records a second over <see cref="Keys"/> users, counted in a
/// ground truth only once Kinesis acknowledged them, and now and then a poison record (not JSON) with a known
/// partition key that the message handler must dead-letter exactly once.
/// </summary>
internal sealed class FaultWorkload(ProcessCluster cluster)
{
    public const int Keys = 500;

    /// <summary>One poison record in every this many chunks of 300.</summary>
    private const int PoisonEvery = 8;

    private readonly Lock _lock = new();
    private readonly GroundTruth _truth = new();
    private readonly List<PoisonRecord> _poison = [];

    /// <summary>The truth so far; read it once producing has stopped.</summary>
    public GroundTruth Truth => _truth;

    public IReadOnlyList<PoisonRecord> Poison
    {
        get
        {
            lock (_lock)
            {
                return [.. _poison];
            }
        }
    }

    /// <summary>Each user's acknowledged event count now: every one of them must eventually be counted.</summary>
    public Dictionary<string, long> Acknowledged()
    {
        lock (_lock)
        {
            return _truth.Users.ToDictionary(u => u.Key, u => u.Value.EventCount, StringComparer.Ordinal);
        }
    }

    /// <summary>Puts chunks until stopped; returns the events acknowledged.</summary>
    public async Task<long> ProduceAsync(CancellationToken stop)
    {
        var producer = new ClickstreamProducer(cluster.Kinesis, cluster.Stream) { Concurrency = 1 };
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        for (var chunk = 0; !stop.IsCancellationRequested; chunk++)
        {
            var began = Stopwatch.StartNew();

            // Never cancelled half-way: a put whose answer is lost would make the truth unknowable.
            var acknowledged = new GroundTruth();
            await producer.ProduceAsync(300, Keys, seed: chunk, acknowledged, start: start.AddSeconds(chunk));
            lock (_lock)
            {
                Merge(_truth, acknowledged);
            }

            if (chunk % PoisonEvery == 3)
            {
                await PutPoisonAsync();
            }

            var rest = TimeSpan.FromSeconds(1) - began.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(rest, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        lock (_lock)
        {
            return _truth.Events;
        }
    }

    /// <summary>How many users are still counted below <paramref name="want"/> (an over-count shows at the final check).</summary>
    public static async Task<int> BehindAsync(ClusterConnection client, Dictionary<string, long> want, CancellationToken cancellationToken)
    {
        var behind = 0;
        await Parallel.ForEachAsync(want, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (entry, token) =>
        {
            var got = await ClusterCallRetry.RunAsync(() => client.Client.GetGrain<IUserActivity>(entry.Key).GetSummaryAsync(), cancellationToken: token);
            if (got.EventCount < entry.Value)
            {
                Interlocked.Increment(ref behind);
            }
        });
        return behind;
    }

    private async Task PutPoisonAsync()
    {
        int number;
        lock (_lock)
        {
            number = _poison.Count + 1;
        }

        var key = $"poison-{number:D3}";
        var data = System.Text.Encoding.UTF8.GetBytes($"{{not json #{number}");
        for (var attempt = 1; ; attempt++)
        {
            var response = await cluster.Kinesis.PutRecordsAsync(cluster.Stream, [new PutRecordsRequestEntry(data, key)]);
            var result = response.Records[0];
            if (result.IsSuccess)
            {
                lock (_lock)
                {
                    _poison.Add(new PoisonRecord(key, result.ShardId!, result.SequenceNumber!));
                }

                return;
            }

            if (attempt == 10)
            {
                throw new InvalidOperationException($"The poison record {key} was rejected 10 times: {result.ErrorCode}");
            }

            await Task.Delay(100 * attempt);
        }
    }

    /// <summary>Adds one chunk's truth to the whole truth.</summary>
    private static void Merge(GroundTruth into, GroundTruth chunk)
    {
        into.Events += chunk.Events;
        foreach (var (user, add) in chunk.Users)
        {
            if (!into.Users.TryGetValue(user, out var have))
            {
                into.Users[user] = add;
                continue;
            }

            var byType = new Dictionary<string, long>(have.EventsByType, StringComparer.Ordinal);
            foreach (var (type, count) in add.EventsByType)
            {
                byType[type] = byType.GetValueOrDefault(type) + count;
            }

            into.Users[user] = have with
            {
                EventCount = have.EventCount + add.EventCount,
                TotalBytes = have.TotalBytes + add.TotalBytes,
                FirstSeen = Min(have.FirstSeen, add.FirstSeen),
                LastSeen = Max(have.LastSeen, add.LastSeen),
                EventsByType = byType,
            };
        }
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a <= b ? a : b;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a >= b ? a : b;
}

/// <summary>A record the handler cannot decode, as Kinesis acknowledged it.</summary>
internal sealed record PoisonRecord(string PartitionKey, string ShardId, string SequenceNumber);
