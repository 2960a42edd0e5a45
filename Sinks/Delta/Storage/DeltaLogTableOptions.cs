using KinesisGrains.DynamoDB;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The DynamoDB table of <see cref="DynamoDBDeltaLogStore"/>, in delta-io's S3DynamoDBLogStore layout: <c>tablePath</c>
/// (HASH), <c>fileName</c> (RANGE), <c>tempPath</c>, <c>complete</c>, <c>expireTime</c> (time to live). Spark writers
/// configured with the same table (<c>spark.io.delta.storage.S3DynamoDBLogStore.ddb.tableName</c>) share it. On-demand
/// billing by default.
/// </summary>
public sealed class DeltaLogTableOptions : DynamoDBTableOptions
{
    /// <summary>delta-io's default table name.</summary>
    public const string DefaultTableName = "delta_log";

    /// <summary>Options of the DynamoDB log table, with its default name unless set.</summary>
    public DeltaLogTableOptions()
        : base(DefaultTableName)
    {
        UseProvisionedThroughput = false;
    }
}
