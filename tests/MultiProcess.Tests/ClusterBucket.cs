using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace KinesisGrains.MultiProcess;

/// <summary>The tests' side of a process cluster's S3 bucket (s3rver) and of the silos' log files.</summary>
internal static class ClusterBucket
{
    public static IAmazonS3 NewClient(ProcessCluster cluster) => new AmazonS3Client(
        new BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonS3Config
        {
            ServiceURL = cluster.Emulators.S3.ToString(),
            AuthenticationRegion = "us-east-1",
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public static async Task<List<string>> ListAsync(IAmazonS3 s3, string bucket, string prefix)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        while (true)
        {
            var page = await RetryAsync(() => s3.ListObjectsV2Async(request));
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            if (page.IsTruncated != true)
            {
                return keys;
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>s3rver answers 500 to a listing that meets an object being written or deleted: try again.</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (AmazonS3Exception exception) when ((int)exception.StatusCode >= 500 && attempt < 60)
            {
                // Busy silos upload and prune all the time: give the listing up to ~30 s to meet a quiet moment.
                await Task.Delay(Math.Min(100 * attempt, 500));
            }
        }
    }

    /// <summary>The lines of a file another process is still writing.</summary>
    public static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }
}
