namespace KinesisGrains.Kinesis.Client;

/// <summary>The inclusive range of 128-bit hash keys a shard owns.</summary>
public sealed record HashKeyRange(UInt128 StartingHashKey, UInt128 EndingHashKey)
{
    /// <summary>True when <paramref name="hashKey"/> falls in the range (both ends inclusive).</summary>
    public bool Contains(UInt128 hashKey) => hashKey >= StartingHashKey && hashKey <= EndingHashKey;
}
