using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The S3 requests snapshots need, each with retries and a per-attempt time limit. Bodies are never sent aws-chunked
/// (<c>UseChunkEncoding = false</c>): emulators store chunked bodies verbatim, and multipart is done by hand for the same reason.
/// </summary>
internal sealed class S3Objects(IAmazonS3 client, S3SnapshotOptions options, TransferRetry retry, ILogger logger)
{
    private const int MaxParts = 10_000;
    private const int CopyBufferSize = 256 * 1024;

    private string Bucket => options.Bucket;

    /// <summary>The object's size, or null when it does not exist.</summary>
    public Task<long?> SizeAsync(string key, CancellationToken cancellationToken) =>
        retry.RunAsync<long?>("HEAD", key, async token =>
        {
            try
            {
                var response = await client.GetObjectMetadataAsync(Bucket, key, token).ConfigureAwait(false);
                return response.ContentLength;
            }
            catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>Uploads a local file: one PUT up to the multipart threshold, parts of <see cref="S3SnapshotOptions.PartSizeBytes"/> above it.</summary>
    /// <param name="throttle">Bounds the requests in flight across all files of one snapshot.</param>
    public async Task PutFileAsync(string key, string path, long size, string sha256Hex, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        if (size <= options.MultipartThresholdBytes)
        {
            await Concurrently.ThrottledAsync(throttle, () => retry.RunAsync("PUT", key, token => client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = Bucket,
                Key = key,
                FilePath = path,
                UseChunkEncoding = false,

                // S3 rejects the PUT if the bytes it received do not hash to this: a corrupt upload fails now, not at restore.
                ChecksumSHA256 = Convert.ToBase64String(Convert.FromHexString(sha256Hex)),
            }, token), cancellationToken), cancellationToken).ConfigureAwait(false);
            return;
        }

        await PutMultipartAsync(key, path, size, throttle, cancellationToken).ConfigureAwait(false);
    }

    public Task PutTextAsync(string key, string text, CancellationToken cancellationToken) =>
        retry.RunAsync("PUT", key, token => client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = Bucket,
            Key = key,
            ContentBody = text,
            ContentType = "application/json",
            UseChunkEncoding = false,
        }, token), cancellationToken);

    /// <summary>The object's content as UTF-8 text, or null when it does not exist.</summary>
    public Task<string?> GetTextAsync(string key, CancellationToken cancellationToken) =>
        retry.RunAsync<string?>("GET", key, async token =>
        {
            try
            {
                using var response = await client.GetObjectAsync(Bucket, key, token).ConfigureAwait(false);
                using var reader = new StreamReader(response.ResponseStream);
                return await reader.ReadToEndAsync(token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }, cancellationToken);

    /// <summary>
    /// Writes bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the file's object into
    /// <paramref name="target"/> at the same offset. Throws <see cref="SnapshotCorruptException"/> when the object is
    /// missing or its size is not the manifest's.
    /// </summary>
    public Task DownloadRangeAsync(SnapshotFile file, SafeFileHandle target, long offset, long length, CancellationToken cancellationToken) =>
        retry.RunAsync("GET", file.ObjectKey, async token =>
        {
            GetObjectResponse response;
            try
            {
                response = await client.GetObjectAsync(new GetObjectRequest
                {
                    BucketName = Bucket,
                    Key = file.ObjectKey,
                    ByteRange = new ByteRange(offset, offset + length - 1),
                }, token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
            {
                throw SnapshotCorruptException.Missing(file, exception);
            }
            catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The object is shorter than the manifest says.
                var actual = await SizeAsync(file.ObjectKey, token).ConfigureAwait(false);
                throw actual is null ? SnapshotCorruptException.Missing(file, exception) : SnapshotCorruptException.SizeMismatch(file, actual.Value);
            }

            using (response)
            {
                var objectSize = ObjectSize(response, out var ranged);
                if (objectSize != file.Size)
                {
                    throw SnapshotCorruptException.SizeMismatch(file, objectSize);
                }

                if (!ranged && offset != 0)
                {
                    throw new NotSupportedException($"The S3 endpoint ignored the Range header of a GET of '{file.ObjectKey}'.");
                }

                var written = await CopyAsync(response.ResponseStream, target, offset, length, token).ConfigureAwait(false);
                if (written != length)
                {
                    // A connection cut mid-body: transient, the retry fetches the range again.
                    throw new IOException($"GET of '{file.ObjectKey}' returned {written} of {length} bytes at offset {offset}.");
                }
            }
        }, cancellationToken);

    public async IAsyncEnumerable<S3Object> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? continuation = null;
        do
        {
            var page = await retry.RunAsync("LIST", prefix, token => client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = Bucket,
                Prefix = prefix,
                ContinuationToken = continuation,
            }, token), cancellationToken).ConfigureAwait(false);

            // SDK 4 leaves empty collections null.
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item;
            }

            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
    }

    public async Task DeleteAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        // DeleteObjects takes at most 1000 keys.
        foreach (var batch in keys.Chunk(1000))
        {
            var response = await retry.RunAsync("DELETE", batch[0], token => client.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = Bucket,
                Objects = batch.Select(key => new KeyVersion { Key = key }).ToList(),
                Quiet = true,
            }, token), cancellationToken).ConfigureAwait(false);

            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new IOException(
                    $"S3 did not delete {errors.Count} objects, e.g. '{errors[0].Key}': {errors[0].Code} {errors[0].Message}");
            }
        }
    }

    private async Task PutMultipartAsync(string key, string path, long size, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        var partCount = (int)Math.Min(int.MaxValue, (size + options.PartSizeBytes - 1) / options.PartSizeBytes);
        if (partCount > MaxParts)
        {
            throw new InvalidOperationException(
                $"'{path}' ({size} bytes) needs {partCount} parts of {options.PartSizeBytes} bytes; S3 allows {MaxParts}. Raise {nameof(S3SnapshotOptions.PartSizeBytes)}.");
        }

        var created = await retry.RunAsync("CreateMultipartUpload", key, token => client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key }, token), cancellationToken).ConfigureAwait(false);
        var uploadId = created.UploadId;
        try
        {
            var etags = new PartETag[partCount];
            await Concurrently.RunAsync(Enumerable.Range(0, partCount), (index, token) =>
                Concurrently.ThrottledAsync(throttle, async () =>
                {
                    var position = index * options.PartSizeBytes;
                    var response = await retry.RunAsync("UploadPart", $"{key}#{index + 1}", attempt => client.UploadPartAsync(new UploadPartRequest
                    {
                        BucketName = Bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartNumber = index + 1,
                        FilePath = path,
                        FilePosition = position,
                        PartSize = Math.Min(options.PartSizeBytes, size - position),
                        IsLastPart = index == partCount - 1,
                        UseChunkEncoding = false,
                    }, attempt), token).ConfigureAwait(false);
                    etags[index] = new PartETag(index + 1, response.ETag);
                }, token), cancellationToken).ConfigureAwait(false);

            await retry.RunAsync("CompleteMultipartUpload", key, async token =>
            {
                try
                {
                    await client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = Bucket,
                        Key = key,
                        UploadId = uploadId,
                        PartETags = [.. etags],
                    }, token).ConfigureAwait(false);
                }
                catch (AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchUpload")
                {
                    // An earlier attempt may have completed the upload and lost only its answer.
                    if (await SizeAsync(key, token).ConfigureAwait(false) != size)
                    {
                        throw;
                    }
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(key, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    // Parts already stored cost money until aborted; best effort, and never in place of the original failure.
    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(options.UploadAttemptTimeout);
            await client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            SnapshotLog.AbortFailed(logger, exception, key);
        }
    }

    // "bytes 0-99/1234" for a range; a server that ignores the range answers 200 with the whole object.
    private static long ObjectSize(GetObjectResponse response, out bool ranged)
    {
        var range = response.ContentRange;
        if (!string.IsNullOrEmpty(range))
        {
            var slash = range.LastIndexOf('/');
            if (slash >= 0 && long.TryParse(range.AsSpan(slash + 1), out var total))
            {
                ranged = true;
                return total;
            }
        }

        ranged = false;
        return response.ContentLength;
    }

    private static async Task<long> CopyAsync(Stream source, SafeFileHandle target, long offset, long length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long written = 0;
            while (written < length)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - written)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                await RandomAccess.WriteAsync(target, buffer.AsMemory(0, read), offset + written, cancellationToken).ConfigureAwait(false);
                written += read;
            }

            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
