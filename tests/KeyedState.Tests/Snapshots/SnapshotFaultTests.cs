using System.Diagnostics;
using System.Net;
using Amazon.S3;
using KinesisGrains.KeyedState.Snapshots;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

/// <summary>S3 that hangs or fails, played by <see cref="RecordingS3Client"/> in front of s3rver.</summary>
public sealed class SnapshotFaultTests(S3EmulatorFixture s3) : IClassFixture<S3EmulatorFixture>
{
    private const string Partition = "p-0001";

    [Fact]
    public async Task Hung_put_is_cancelled_after_the_attempt_timeout_and_retried()
    {
        var options = await s3.NewBucketAsync(o => o.UploadAttemptTimeout = TimeSpan.FromSeconds(1));
        using var client = new RecordingS3Client(options);
        client.BeforeCall = async (operation, key, number, token) =>
        {
            if (operation == nameof(client.PutObjectAsync) && key.EndsWith("/CURRENT", StringComparison.Ordinal) && number == 1)
            {
                await Task.Delay(Timeout.Infinite, token);
            }
        };
        using var store = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(1_000);
        var watch = Stopwatch.StartNew();

        var upload = await store.UploadAsync(Partition, db.Checkpoint(), 1);

        var current = upload.Manifest.Files.Single(f => f.Name == "CURRENT").ObjectKey;
        Assert.Equal(2, client.Calls(nameof(client.PutObjectAsync), current));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var target = db.NewFolder("restored");
        await store.RestoreAsync(upload.Manifest, target);
        SnapshotDb.AssertHolds(target, db.Versions);
    }

    [Fact]
    public async Task Hung_part_is_retried_and_the_multipart_upload_completes()
    {
        var options = await s3.NewBucketAsync(o =>
        {
            o.UploadAttemptTimeout = TimeSpan.FromSeconds(1);
            o.MultipartThresholdBytes = 1;
            o.PartSizeBytes = 5 * S3SnapshotOptions.MiB;
        });
        using var client = new RecordingS3Client(options);
        client.BeforeCall = async (operation, _, number, token) =>
        {
            if (operation == nameof(client.UploadPartAsync) && number == 1)
            {
                await Task.Delay(Timeout.Infinite, token);
            }
        };
        using var store = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(1_000);

        var upload = await store.UploadAsync(Partition, db.Checkpoint(), 1);

        // Every file is one part here (threshold 1 byte); each first attempt hung and was tried again. A second attempt
        // slower than the 1 s attempt timeout on a busy machine is tried once more (a CI run saw 11 calls for 4 files).
        var parts = upload.Manifest.Files.Count(f => f.Size > 0);
        Assert.InRange(client.Calls(nameof(client.UploadPartAsync)), 2 * parts, 4 * parts);
        Assert.Equal(0, client.Calls(nameof(client.AbortMultipartUploadAsync)));
        var target = db.NewFolder("restored");
        await store.RestoreAsync(upload.Manifest, target);
        SnapshotDb.AssertHolds(target, db.Versions);
    }

    [Fact]
    public async Task Failed_file_leaves_no_manifest_and_aborts_its_multipart_upload()
    {
        var options = await s3.NewBucketAsync(o => o.MultipartThresholdBytes = 1);
        using var client = new RecordingS3Client(options);
        client.BeforeCall = (operation, key, _, _) =>
            operation == nameof(client.UploadPartAsync) && key.Contains("/MANIFEST-", StringComparison.Ordinal)
                ? throw new AmazonS3Exception("Access Denied") { StatusCode = HttpStatusCode.Forbidden, ErrorCode = "AccessDenied" }
                : Task.CompletedTask;
        using var store = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(1_000);
        var checkpoint = db.Checkpoint();

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => store.UploadAsync(Partition, checkpoint, 1));

        Assert.Equal("AccessDenied", error.ErrorCode);
        var manifestFile = Path.GetFileName(Directory.GetFiles(checkpoint, "MANIFEST-*").Single());
        var key = $"snapshots/{Partition}/private/{1:D20}/{manifestFile}";
        Assert.Equal(1, client.Calls(nameof(client.UploadPartAsync), key)); // 403 is not worth a retry
        Assert.Equal(1, client.Calls(nameof(client.AbortMultipartUploadAsync), key));
        Assert.Empty(await store.ListSnapshotIdsAsync(Partition));
        Assert.Empty(await s3.KeysAsync(options.Bucket, $"snapshots/{Partition}/manifests/"));
    }

    [Fact]
    public async Task Persistent_server_errors_give_up_after_max_attempts()
    {
        var options = await s3.NewBucketAsync(o => o.MaxAttempts = 3);
        using var client = new RecordingS3Client(options);
        client.BeforeCall = (operation, key, _, _) => operation == nameof(client.PutObjectAsync) && key.EndsWith("/CURRENT", StringComparison.Ordinal)
            ? throw new AmazonS3Exception("We encountered an internal error.") { StatusCode = HttpStatusCode.InternalServerError, ErrorCode = "InternalError" }
            : Task.CompletedTask;
        using var store = new S3SnapshotStore(options, client);
        using var db = new SnapshotDb(100);
        var checkpoint = db.Checkpoint();

        await Assert.ThrowsAsync<AmazonS3Exception>(() => store.UploadAsync(Partition, checkpoint, 1));

        var current = $"snapshots/{Partition}/private/{1:D20}/CURRENT";
        Assert.Equal(3, client.Calls(nameof(client.PutObjectAsync), current));
    }
}
