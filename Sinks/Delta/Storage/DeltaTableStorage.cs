using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A table's objects in S3: <see cref="Bucket"/> and <see cref="Root"/> (the table's key prefix, no leading or trailing
/// '/'), paths relative to the root. Data files, checkpoints and <c>_last_checkpoint</c> go through it; commit files go
/// through an <see cref="IDeltaLogStore"/>, which uses it.
/// </summary>
internal sealed class DeltaTableStorage
{
    public DeltaTableStorage(IAmazonS3 s3, string bucket, string root)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        ArgumentNullException.ThrowIfNull(root);
        S3 = s3;
        Bucket = bucket;
        Root = root.Trim('/');
    }

    public IAmazonS3 S3 { get; }

    public string Bucket { get; }

    public string Root { get; }

    /// <summary><c>s3://bucket/root</c>, no trailing '/': the table's path as Delta clients name it.</summary>
    public string Uri => Root.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Root}";

    public string Key(string path) => Root.Length == 0 ? path : $"{Root}/{path}";

    public async Task PutAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content, writable: false);
        await S3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = Key(path), InputStream = body, UseChunkEncoding = false }, cancellationToken);
    }

    /// <summary>
    /// Creates <paramref name="path"/> unless it exists (<c>If-None-Match: *</c>, S3 since August 2024). S3 answers 412
    /// when it exists and 409 when a concurrent conditional write to the key is in flight, which is retried.
    /// </summary>
    /// <returns>False when the object existed.</returns>
    public async Task<bool> PutIfAbsentAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var body = new MemoryStream(content, writable: false);
                await S3.PutObjectAsync(
                    new PutObjectRequest { BucketName = Bucket, Key = Key(path), InputStream = body, UseChunkEncoding = false, IfNoneMatch = "*" },
                    cancellationToken);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
            {
                return false;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.Conflict && attempt < 10)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * attempt), cancellationToken);
            }
        }
    }

    /// <returns>Null when the object does not exist.</returns>
    public async Task<byte[]?> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await S3.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = Key(path) }, cancellationToken);
            using var buffer = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 0);
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = Key(path) }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Objects whose path starts with <paramref name="prefix"/>, in key order, after <paramref name="startAfter"/> when given.</summary>
    public async IAsyncEnumerable<DeltaStoredObject> ListAsync(string prefix, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = Bucket, Prefix = Key(prefix), StartAfter = startAfter is null ? null : Key(startAfter) };
        var skip = Root.Length == 0 ? 0 : Root.Length + 1;
        while (true)
        {
            var response = await S3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return new DeltaStoredObject(item.Key[skip..], item.Size ?? 0, item.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue);
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <summary>Deletes <paramref name="paths"/>, 1000 a request (S3's most).</summary>
    public async Task DeleteAsync(IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        foreach (var chunk in paths.Chunk(1000))
        {
            var response = await S3.DeleteObjectsAsync(new DeleteObjectsRequest
            {
                BucketName = Bucket,
                Objects = [.. chunk.Select(p => new KeyVersion { Key = Key(p) })],
                Quiet = true,
            }, cancellationToken);
            if (response.DeleteErrors is { Count: > 0 } errors)
            {
                throw new IOException($"S3 did not delete {errors.Count} of {chunk.Length} objects of {Uri}, e.g. {errors[0].Key}: {errors[0].Code} {errors[0].Message}");
            }
        }
    }
}
