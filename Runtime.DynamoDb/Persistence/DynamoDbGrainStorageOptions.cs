using Orleans;
using Orleans.Storage;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// Settings of one <see cref="DynamoDbGrainStorage"/>. Names and defaults are those of Orleans'
/// <c>DynamoDBStorageOptions</c> (Microsoft.Orleans.Persistence.DynamoDB), so its documentation applies;
/// <see cref="UseConsistentReads"/> is ours.
/// </summary>
public sealed class DynamoDbGrainStorageOptions : IStorageProviderSerializerOptions
{
    public const string DefaultTableName = "OrleansGrainState";
    public const int DefaultReadCapacityUnits = 10;
    public const int DefaultWriteCapacityUnits = 5;
    public const int DefaultInitStage = ServiceLifecycleStage.ApplicationServices;

    /// <summary>
    /// An AWS region name such as <c>eu-west-1</c>, or an http(s) endpoint URL (an emulator, a VPC endpoint). Required.
    /// </summary>
    public string Service { get; set; } = "";

    /// <summary>An access key id; leave it and <see cref="SecretKey"/> empty to use <see cref="ProfileName"/> or the AWS default credentials.</summary>
    [Redact]
    public string? AccessKey { get; set; }

    [Redact]
    public string? SecretKey { get; set; }

    /// <summary>The session token of temporary credentials; needs <see cref="AccessKey"/> and <see cref="SecretKey"/>.</summary>
    [Redact]
    public string? Token { get; set; }

    /// <summary>A named profile of the AWS shared credentials files.</summary>
    public string? ProfileName { get; set; }

    /// <summary>
    /// Prefixes every partition key (<c>{ServiceId}_{grainId}</c>), so services sharing a table keep apart. Changing it
    /// hides the state written before.
    /// </summary>
    public string ServiceId { get; set; } = "";

    public string TableName { get; set; } = DefaultTableName;

    /// <summary>Provisioned capacity (<see cref="ReadCapacityUnits"/>, <see cref="WriteCapacityUnits"/>) instead of on-demand billing.</summary>
    public bool UseProvisionedThroughput { get; set; } = true;

    public int ReadCapacityUnits { get; set; } = DefaultReadCapacityUnits;

    public int WriteCapacityUnits { get; set; } = DefaultWriteCapacityUnits;

    /// <summary>Creates the table at start when it is missing; without it, a missing table fails the start.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>At start, brings an existing table's billing mode, capacity and time to live in line with these options.</summary>
    public bool UpdateIfExists { get; set; } = true;

    /// <summary>Clear deletes the item; otherwise it keeps the item with no state and a new etag.</summary>
    public bool DeleteStateOnClear { get; set; }

    /// <summary>
    /// Each write sets the item's <c>GrainTtl</c> to now plus this, and the table's time to live is turned on for that
    /// attribute, so DynamoDB deletes state not written for this long. Null: items never expire.
    /// </summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// Reads with strong consistency. Eventually consistent reads cost half, but may return an item older than the last
    /// write, whose etag then makes the next write fail.
    /// </summary>
    public bool UseConsistentReads { get; set; } = true;

    /// <summary>The silo lifecycle stage at which the table is checked (and created); before grains run.</summary>
    public int InitStage { get; set; } = DefaultInitStage;

    /// <summary>Turns state into the bytes of <c>GrainState</c>; the silo's default grain storage serializer when unset.</summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
