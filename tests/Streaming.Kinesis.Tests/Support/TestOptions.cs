using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Tests.Support;

internal static class TestOptions
{
    public const string AccessKeyId = "AKIDTEST";
    public const string SecretAccessKey = "test-secret-do-not-leak";

    public static KinesisClientOptions For(Uri endpoint) => new()
    {
        ServiceUrl = endpoint,
        Region = "us-east-1",
        AccessKeyId = AccessKeyId,
        SecretAccessKey = SecretAccessKey,
        RequestTimeout = TimeSpan.FromSeconds(20),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
    };

    public static string NewStreamName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 17, 128)];
}
