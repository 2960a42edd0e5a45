namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>A conditional write on a lease failed: another worker owns it now, so this one must stop.</summary>
internal sealed class LeaseLostException(string leaseKey, string owner)
    : Exception($"The lease on '{leaseKey}' is no longer held by '{owner}'; another worker took it.")
{
    public string LeaseKey { get; } = leaseKey;
}
