using KinesisGrains.DynamoDB;
using Orleans;
using Orleans.Storage;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// Settings of one <see cref="DynamoDBGrainStorage"/>. Names and defaults are those of Orleans'
/// <c>DynamoDBStorageOptions</c> (Microsoft.Orleans.Persistence.DynamoDB), so its documentation applies;
/// <see cref="UseConsistentReads"/> is ours.
/// </summary>
public sealed class DynamoDBGrainStorageOptions() : DynamoDBTableOptions(DefaultTableName), IStorageProviderSerializerOptions
{
    /// <summary>The table used when <see cref="KinesisGrains.DynamoDB.DynamoDBTableOptions.TableName"/> is not set (upstream's name).</summary>
    public const string DefaultTableName = "OrleansGrainState";
    /// <summary>The silo lifecycle stage at which the storage opens its table, unless <c>InitStage</c> says otherwise.</summary>
    public const int DefaultInitStage = ServiceLifecycleStage.ApplicationServices;

    /// <summary>
    /// Prefixes every partition key (<c>{ServiceId}_{grainId}</c>), so services sharing a table keep apart. Changing it
    /// hides the state written before.
    /// </summary>
    public string ServiceId { get; set; } = "";

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
