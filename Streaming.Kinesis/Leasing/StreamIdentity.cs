namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>
/// Which stream a lease table's checkpoints belong to. A stream deleted and created again under the same name has a
/// new creation time (and sequence numbers that mean nothing to the old checkpoints).
/// </summary>
internal sealed record StreamIdentity(string StreamName, string StreamArn, DateTimeOffset CreationTimestamp)
{
    public bool IsSameStreamAs(StreamIdentity other) =>
        StreamArn == other.StreamArn && CreationTimestamp.ToUnixTimeMilliseconds() == other.CreationTimestamp.ToUnixTimeMilliseconds();
}
