using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace KinesisGrains.Tests.KinesisSinks;

/// <summary>
/// Sits between a <see cref="Kinesis.Client.KinesisClient"/> and kinesalite: records every PutRecords call and makes
/// some fail as Kinesis does under load, which kinesalite never does. A partial failure takes the chosen entries out
/// of the request before forwarding it (so they are really not written) and answers them as
/// ProvisionedThroughputExceededException in their places; a throttled call is answered 400 without forwarding.
/// </summary>
public sealed class PutRecordsFaultHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock _lock = new();
    private int _partialCalls;
    private int _throttledCalls;

    /// <summary>One PutRecords call as the sink sent it.</summary>
    public sealed record Call(int Entries, long Bytes, bool Faulted);

    public List<Call> Calls { get; } = [];

    /// <summary>In the next <paramref name="calls"/> calls, every third entry (1, 4, 7, ...) fails.</summary>
    public void FailEveryThirdEntry(int calls)
    {
        lock (_lock)
        {
            _partialCalls = calls;
        }
    }

    /// <summary>The next <paramref name="calls"/> calls are refused whole.</summary>
    public void Throttle(int calls)
    {
        lock (_lock)
        {
            _throttledCalls = calls;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Headers.TryGetValues("X-Amz-Target", out var targets) || !targets.Single().EndsWith(".PutRecords", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var body = JsonNode.Parse(await request.Content!.ReadAsByteArrayAsync(cancellationToken))!.AsObject();
        var entries = body["Records"]!.AsArray();
        var bytes = entries.Sum(e => Convert.FromBase64String(e!["Data"]!.GetValue<string>()).Length + Encoding.UTF8.GetByteCount(e["PartitionKey"]!.GetValue<string>()));
        bool throttled, partial;
        lock (_lock)
        {
            throttled = _throttledCalls-- > 0;
            partial = !throttled && _partialCalls-- > 0;
            Calls.Add(new Call(entries.Count, bytes, throttled || partial));
        }

        if (throttled)
        {
            return Json(HttpStatusCode.BadRequest, new JsonObject
            {
                ["__type"] = "ProvisionedThroughputExceededException",
                ["message"] = "Rate exceeded for stream under account 000000000000 (injected).",
            });
        }

        if (!partial)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var failing = Enumerable.Range(0, entries.Count).Where(i => i % 3 == 1).ToHashSet();
        body["Records"] = new JsonArray(entries.Where((_, i) => !failing.Contains(i)).Select(e => e!.DeepClone()).ToArray());
        using var forward = new HttpRequestMessage(request.Method, request.RequestUri)
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString())),
        };
        foreach (var header in request.Headers)
        {
            forward.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        forward.Content.Headers.ContentType = request.Content.Headers.ContentType;
        using var response = await base.SendAsync(forward, cancellationToken);
        response.EnsureSuccessStatusCode();
        var written = JsonNode.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken))!["Records"]!.AsArray();
        var results = new JsonArray();
        var next = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            results.Add(failing.Contains(i)
                ? new JsonObject
                {
                    ["ErrorCode"] = "ProvisionedThroughputExceededException",
                    ["ErrorMessage"] = "Rate exceeded for shard shardId-000000000000 (injected).",
                }
                : written[next++]!.DeepClone());
        }

        return Json(HttpStatusCode.OK, new JsonObject { ["FailedRecordCount"] = failing.Count, ["Records"] = results });
    }

    private static HttpResponseMessage Json(HttpStatusCode status, JsonObject body) => new(status)
    {
        Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/x-amz-json-1.1"),
    };
}
