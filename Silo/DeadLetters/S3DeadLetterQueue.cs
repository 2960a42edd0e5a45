using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Runtime.DeadLetters;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Silo.DeadLetters;

/// <summary>
/// Dead letters in S3 under a prefix, one JSON-lines object per flush. Every letter is first written to the local
/// folder (so nothing is lost while S3 is unreachable), then shipped in batches; a failed upload is retried at the
/// next flush.
/// </summary>
public sealed partial class S3DeadLetterQueue : IDeadLetterQueue, IAsyncDisposable
{
    private readonly LocalDeadLetterQueue _local;
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _siloId;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<DeadLetter> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _shipping;
    private long _objects;

    public S3DeadLetterQueue(LocalDeadLetterQueue local, IAmazonS3 s3, string bucket, string prefix, string siloId, TimeSpan flushInterval, ILogger logger)
    {
        _local = local;
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix.Trim('/');
        _siloId = siloId;
        _logger = logger;
        _shipping = ShipAsync(flushInterval);
    }

    public void Add(StreamRecord record, string reason)
    {
        var letter = _local.Append(record, reason);
        _pending.Enqueue(letter);
    }

    /// <summary>Uploads every pending letter now; returns how many were shipped.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        var batch = new List<DeadLetter>();
        while (_pending.TryDequeue(out var letter))
        {
            batch.Add(letter);
        }

        if (batch.Count == 0)
        {
            return 0;
        }

        var body = new StringBuilder();
        foreach (var letter in batch)
        {
            body.Append(JsonSerializer.Serialize(letter, StateSerializer.Options)).Append('\n');
        }

        var now = DateTime.UtcNow;
        var key = $"{_prefix}/{now:yyyy/MM/dd}/{now:HHmmssfff}-{_siloId}-{Interlocked.Increment(ref _objects)}.jsonl";
        try
        {
            await _s3.PutObjectAsync(
                new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = body.ToString(), ContentType = "application/x-ndjson", UseChunkEncoding = false },
                cancellationToken);
            return batch.Count;
        }
        catch (Exception exception) when (exception is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException or OperationCanceledException)
        {
            // They stay in the local folder regardless; ship them with the next batch.
            batch.ForEach(_pending.Enqueue);
            LogUploadFailed(_logger, batch.Count, exception.Message);
            return 0;
        }
    }

    private async Task ShipAsync(TimeSpan interval)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await FlushAsync(_stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        await _shipping;
        await FlushAsync();
        _stop.Dispose();
        _s3.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipping {Count} dead letters to S3 failed ({Reason}); they are kept locally and retried")]
    private static partial void LogUploadFailed(ILogger logger, int count, string reason);
}
