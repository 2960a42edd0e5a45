using KinesisGrains.DynamoDB;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// The table of snapshot pointers (<see cref="DynamoDBSnapshotFence"/>): one row per partition, keyed by
/// <c>Partition</c> (<see cref="KeyPrefix"/> + partition id) and <c>Row</c> (<c>pointer</c>). On-demand billing by default.
/// </summary>
public sealed class DynamoDBSnapshotFenceOptions : DynamoDBTableOptions
{
    /// <summary>The table used when <see cref="KinesisGrains.DynamoDB.DynamoDBTableOptions.TableName"/> is not set.</summary>
    public const string DefaultTableName = "kgrains-snapshots";

    /// <summary>Options of the fence table, named <see cref="DefaultTableName"/> unless set.</summary>
    public DynamoDBSnapshotFenceOptions()
        : base(DefaultTableName)
    {
        UseProvisionedThroughput = false;
    }

    /// <summary>
    /// Prepended to each partition id in the row key: the snapshots' bucket and prefix (application and stream
    /// incarnation), so one table serves every application, bucket and incarnation without mixing their pointers.
    /// </summary>
    public string KeyPrefix { get; set; } = "";
}
