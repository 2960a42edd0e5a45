using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.KeyedState.Snapshots;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>
/// The real client against s3rver, counting calls per operation and key, with a hook that can delay or fail a call
/// before it is sent (to play a hung or failing S3).
/// </summary>
internal sealed class RecordingS3Client(S3SnapshotOptions options)
    : AmazonS3Client(new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), S3ClientFactory.CreateConfig(options))
{
    private readonly ConcurrentDictionary<(string Operation, string Key), int> _calls = new();

    /// <summary>Runs before each recorded call with the operation, key and the call's number for that pair (1 for the first).</summary>
    public Func<string, string, int, CancellationToken, Task>? BeforeCall { get; set; }

    public int Calls(string operation, string key) => _calls.GetValueOrDefault((operation, key));

    public int Calls(string operation) => _calls.Where(entry => entry.Key.Operation == operation).Sum(entry => entry.Value);

    public override async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(PutObjectAsync), request.Key, cancellationToken);
        return await base.PutObjectAsync(request, cancellationToken);
    }

    public override async Task<UploadPartResponse> UploadPartAsync(UploadPartRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(UploadPartAsync), request.Key, cancellationToken);
        return await base.UploadPartAsync(request, cancellationToken);
    }

    public override async Task<CompleteMultipartUploadResponse> CompleteMultipartUploadAsync(
        CompleteMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(CompleteMultipartUploadAsync), request.Key, cancellationToken);
        return await base.CompleteMultipartUploadAsync(request, cancellationToken);
    }

    public override async Task<AbortMultipartUploadResponse> AbortMultipartUploadAsync(
        AbortMultipartUploadRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(AbortMultipartUploadAsync), request.Key, cancellationToken);
        return await base.AbortMultipartUploadAsync(request, cancellationToken);
    }

    public override async Task<ListObjectsV2Response> ListObjectsV2Async(ListObjectsV2Request request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(ListObjectsV2Async), request.Prefix, cancellationToken);
        return await base.ListObjectsV2Async(request, cancellationToken);
    }

    public override async Task<GetObjectResponse> GetObjectAsync(GetObjectRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(GetObjectAsync), request.Key, cancellationToken);
        return await base.GetObjectAsync(request, cancellationToken);
    }

    public override async Task<GetObjectMetadataResponse> GetObjectMetadataAsync(
        GetObjectMetadataRequest request, CancellationToken cancellationToken = default)
    {
        await Record(nameof(GetObjectMetadataAsync), request.Key, cancellationToken);
        return await base.GetObjectMetadataAsync(request, cancellationToken);
    }

    private Task Record(string operation, string key, CancellationToken cancellationToken)
    {
        var number = _calls.AddOrUpdate((operation, key), 1, (_, count) => count + 1);
        return BeforeCall?.Invoke(operation, key, number, cancellationToken) ?? Task.CompletedTask;
    }
}
