using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.Abstractions.DeadLetters;

namespace KinesisGrains.Silo.DeadLetters;

/// <summary>
/// Dead letters in S3 under a prefix. Every letter is written to the local folder first (so nothing is lost while S3
/// is unreachable or the silo dies); every flush, and at start, each local file not shipped as it is now is uploaded
/// under a key made of its name (<c>{prefix}/yyyy/MM/dd/{file}</c>), so shipping it again overwrites the object with
/// the same content, and only then marked shipped. A failed upload is retried at the next flush.
/// </summary>
public sealed partial class S3DeadLetterQueue : IDeadLetterQueue, IAsyncDisposable
{
    private readonly LocalDeadLetterQueue _local;
    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _shipping;

    public S3DeadLetterQueue(LocalDeadLetterQueue local, IAmazonS3 s3, string bucket, string prefix, TimeSpan flushInterval, ILogger logger)
    {
        _local = local;
        _s3 = s3;
        _bucket = bucket;
        _prefix = prefix.Trim('/');
        _logger = logger;
        _shipping = ShipAsync(flushInterval);
    }

    public void Write(DeadLetterBatch batch) => _local.Write(batch);

    /// <summary>The object key of a local dead-letter file.</summary>
    public string KeyOf(string fileName)
    {
        DeadLetterFiles.TryParse(fileName, out _, out _, out var date);
        return $"{_prefix}/{date:yyyy}/{date:MM}/{date:dd}/{fileName}";
    }

    /// <summary>Uploads every local file not shipped as it is now; returns how many were shipped.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var shipped = 0;
            foreach (var path in _local.Unshipped())
            {
                var content = await File.ReadAllBytesAsync(path, cancellationToken);
                var key = KeyOf(Path.GetFileName(path));
                try
                {
                    using var body = new MemoryStream(content, writable: false);
                    await _s3.PutObjectAsync(
                        new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = body, ContentType = "application/x-ndjson", UseChunkEncoding = false },
                        cancellationToken);
                }
                catch (Exception exception) when (exception is AmazonS3Exception or Amazon.Runtime.AmazonClientException or HttpRequestException or OperationCanceledException)
                {
                    // The file stays unshipped in the local folder: the next flush (or the next start) ships it.
                    LogUploadFailed(_logger, key, exception.Message);
                    return shipped;
                }

                DeadLetterFiles.MarkShipped(path, content.Length);
                shipped++;
            }

            return shipped;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task ShipAsync(TimeSpan interval)
    {
        // Off the constructor's thread; the first pass ships what an earlier life of the silo left.
        await Task.Yield();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await FlushAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                LogLocalFailed(_logger, exception.Message);
            }

            try
            {
                await Task.Delay(interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
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
        try
        {
            await FlushAsync();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogLocalFailed(_logger, exception.Message);
        }

        _stop.Dispose();
        _s3.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shipping dead letters to S3 ({Key}) failed ({Reason}); they are kept locally and retried")]
    private static partial void LogUploadFailed(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the local dead letters to ship failed ({Reason}); retried at the next flush")]
    private static partial void LogLocalFailed(ILogger logger, string reason);
}
