namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// Grain state that would make a DynamoDB item larger than <see cref="LimitBytes"/>; thrown before anything is sent,
/// so the stored record and the local etag are unchanged.
/// </summary>
public sealed class GrainStateTooLargeException(string grainType, string grainKey, string stateName, long sizeBytes, long limitBytes)
    : Exception(
        $"State '{stateName}' of grain {grainType}/{grainKey} makes a DynamoDB item of {sizeBytes} bytes; "
        + $"the limit is {limitBytes} bytes. Keep large or growing data out of grain state.")
{
    public string GrainType { get; } = grainType;

    public string GrainKey { get; } = grainKey;

    public string StateName { get; } = stateName;

    /// <summary>The item's size as DynamoDB counts it (attribute names plus values), with the etag at its largest.</summary>
    public long SizeBytes { get; } = sizeBytes;

    public long LimitBytes { get; } = limitBytes;
}
