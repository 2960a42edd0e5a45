using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace KinesisGrains.Testing;

/// <summary>
/// Notes when the silo sends each Kinesis call, and to which shard, on the sender's own path: unlike a proxy's log of
/// arrivals, no other scheduling stands between the fetcher's pacing and the timestamp. The shard of a GetRecords is
/// known by following iterators from the GetShardIterator that named the shard.
/// </summary>
public sealed class KinesisCallRecorder() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<(long Timestamp, string Operation, string? ShardId)> _calls = new();
    private readonly ConcurrentDictionary<string, string> _shardOfIterator = new();

    /// <summary>When each call of <paramref name="operation"/> (to <paramref name="shardId"/>, when given) was sent, in order.</summary>
    public IReadOnlyList<TimeSpan> SentAt(string operation, string? shardId = null) =>
        [.. _calls
            .Where(c => c.Operation == operation && (shardId is null || c.ShardId == shardId))
            .Select(c => Stopwatch.GetElapsedTime(0, c.Timestamp))];

    /// <summary>The time between each two consecutive calls of <paramref name="operation"/> (to <paramref name="shardId"/>, when given).</summary>
    public IReadOnlyList<TimeSpan> GapsBetween(string operation, string? shardId = null)
    {
        var sent = SentAt(operation, shardId);
        return [.. sent.Zip(sent.Skip(1), (previous, next) => next - previous)];
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        var operation = target[(target.IndexOf('.') + 1)..];
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var shardId = operation switch
        {
            "GetShardIterator" => Property(body, "ShardId"),
            "GetRecords" => Property(body, "ShardIterator") is { } iterator ? _shardOfIterator.GetValueOrDefault(iterator) : null,
            _ => null,
        };
        _calls.Enqueue((sent, operation, shardId));

        var response = await base.SendAsync(request, cancellationToken);
        if (shardId is not null && response.IsSuccessStatusCode)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var next = Property(await response.Content.ReadAsByteArrayAsync(cancellationToken), operation == "GetRecords" ? "NextShardIterator" : "ShardIterator");
            if (next is not null)
            {
                _shardOfIterator[next] = shardId;
            }
        }

        return response;
    }

    private static string? Property(byte[]? json, string name)
    {
        if (json is not { Length: > 0 })
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty(name, out var value) ? value.GetString() : null;
    }
}
