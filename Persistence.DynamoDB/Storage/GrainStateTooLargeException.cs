using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// Grain state that would make a DynamoDB item larger than <see cref="LimitBytes"/>; thrown before anything is sent,
/// so the stored item and the state's etag are unchanged. An <see cref="OrleansException"/>, so a grain's caller gets it
/// as it is rather than wrapped.
/// </summary>
[GenerateSerializer]
public sealed class GrainStateTooLargeException : OrleansException
{
    /// <summary>The state <paramref name="stateName"/> of <paramref name="grainId"/> is <paramref name="sizeBytes"/> bytes, over the item limit.</summary>
    public GrainStateTooLargeException(GrainId grainId, string stateName, string tableName, long sizeBytes, long limitBytes)
        : base($"State '{stateName}' of grain {grainId} makes a DynamoDB item of {sizeBytes} bytes in table '{tableName}'; "
            + $"the limit is {limitBytes} bytes. Keep large or growing data out of grain state.")
    {
        GrainId = grainId;
        StateName = stateName;
        TableName = tableName;
        SizeBytes = sizeBytes;
        LimitBytes = limitBytes;
    }

    /// <summary>The grain whose state was refused.</summary>
    [Id(0)]
    public GrainId GrainId { get; private set; }

    /// <summary>The grain's state name.</summary>
    [Id(1)]
    public string StateName { get; private set; }

    /// <summary>The table the write was for.</summary>
    [Id(2)]
    public string TableName { get; private set; }

    /// <summary>The item's size as DynamoDB counts it (attribute names plus values), with numbers at their largest.</summary>
    [Id(3)]
    public long SizeBytes { get; private set; }

    /// <summary>DynamoDB's item size limit (400 KB).</summary>
    [Id(4)]
    public long LimitBytes { get; private set; }
}
