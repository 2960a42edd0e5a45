using KinesisGrains.KeyedState.Snapshots;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests.Snapshots;

public sealed class S3SnapshotOptionsTests
{
    [Fact]
    public void Defaults_with_a_bucket_are_valid()
    {
        var options = new S3SnapshotOptions { Bucket = "state-snapshots" };

        Assert.Empty(S3SnapshotOptionsValidator.Problems(options));
        Assert.Equal("snapshots", options.Prefix);
        Assert.Equal(64 * S3SnapshotOptions.MiB, options.MultipartThresholdBytes);
        Assert.Equal(16 * S3SnapshotOptions.MiB, options.PartSizeBytes);
        Assert.Equal((4, 5, 3), (options.UploadConcurrency, options.MaxAttempts, options.SnapshotsToRetain));
        Assert.Equal(TimeSpan.FromMinutes(2), options.UploadAttemptTimeout);
    }

    [Theory]
    [InlineData("Bucket", "Bucket is required")]
    [InlineData("BucketName", "'Not_A_Bucket' is not a valid bucket name")]
    [InlineData("Prefix", "Prefix '/snapshots/' must not start or end with '/'")]
    [InlineData("ServiceUrl", "ServiceUrl must be an absolute http or https URL")]
    [InlineData("Region", "Region is required")]
    [InlineData("PartSize", "PartSizeBytes must be between 5 MiB and 5 GiB")]
    [InlineData("Threshold", "MultipartThresholdBytes must be between 1 byte and 5 GiB")]
    [InlineData("Concurrency", "UploadConcurrency must be between 1 and 256 (got 0)")]
    [InlineData("Timeout", "UploadAttemptTimeout must be positive and finite")]
    [InlineData("InfiniteTimeout", "UploadAttemptTimeout must be positive and finite")]
    [InlineData("Attempts", "MaxAttempts must be at least 1 (got 0)")]
    [InlineData("Delay", "RetryBaseDelay must not be negative")]
    [InlineData("Retain", "SnapshotsToRetain must be at least 1 (got 0)")]
    [InlineData("SessionToken", "SessionToken needs AccessKeyId and SecretAccessKey")]
    public void Each_invalid_setting_is_named(string setting, string expected)
    {
        var options = new S3SnapshotOptions { Bucket = "state-snapshots" };
        switch (setting)
        {
            case "Bucket": options.Bucket = " "; break;
            case "BucketName": options.Bucket = "Not_A_Bucket"; break;
            case "Prefix": options.Prefix = "/snapshots/"; break;
            case "ServiceUrl": options.ServiceUrl = new Uri("ftp://127.0.0.1:4569"); break;
            case "Region": options.Region = ""; break;
            case "PartSize": options.PartSizeBytes = 4 * S3SnapshotOptions.MiB; break;
            case "Threshold": options.MultipartThresholdBytes = 0; break;
            case "Concurrency": options.UploadConcurrency = 0; break;
            case "Timeout": options.UploadAttemptTimeout = TimeSpan.Zero; break;
            case "InfiniteTimeout": options.UploadAttemptTimeout = Timeout.InfiniteTimeSpan; break;
            case "Attempts": options.MaxAttempts = 0; break;
            case "Delay": options.RetryBaseDelay = TimeSpan.FromSeconds(-1); break;
            case "Retain": options.SnapshotsToRetain = 0; break;
            case "SessionToken": options.SessionToken = "token"; break;
        }

        var error = Assert.Single(S3SnapshotOptionsValidator.Problems(options));

        Assert.Contains(expected, error);
    }

    [Fact]
    public void Half_a_key_pair_is_reported_without_the_secret()
    {
        var options = new S3SnapshotOptions { Bucket = "state-snapshots", SecretAccessKey = "wJalrXUtnFEMI-do-not-log" };

        var error = Assert.Single(S3SnapshotOptionsValidator.Problems(options));

        Assert.Contains("SecretAccessKey is set but AccessKeyId is missing", error);
        Assert.DoesNotContain("wJalrXUtnFEMI", error);
    }

    [Fact]
    public void Store_refuses_invalid_options_listing_every_problem()
    {
        var options = new S3SnapshotOptions { Bucket = "", SnapshotsToRetain = 0, PartSizeBytes = 1 };

        var error = Assert.Throws<OrleansConfigurationException>(() => new S3SnapshotStore(options));

        Assert.StartsWith("Invalid S3 snapshot options:", error.Message);
        Assert.Contains("Bucket is required", error.Message);
        Assert.Contains("SnapshotsToRetain", error.Message);
        Assert.Contains("PartSizeBytes", error.Message);
    }

    [Fact]
    public void Empty_prefix_puts_partitions_at_the_bucket_root()
    {
        Assert.Empty(S3SnapshotOptionsValidator.Problems(new S3SnapshotOptions { Bucket = "state-snapshots", Prefix = "" }));
        Assert.Single(S3SnapshotOptionsValidator.Problems(new S3SnapshotOptions { Bucket = "state-snapshots", Prefix = "a//b" }));
    }
}
