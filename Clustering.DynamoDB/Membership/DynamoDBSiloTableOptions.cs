using KinesisGrains.DynamoDB;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// Where the silo instance table lives and how to reach it: the settings silos (<see cref="DynamoDBClusteringOptions"/>)
/// and clients (<see cref="DynamoDBGatewayOptions"/>) share. Names and defaults are those of Orleans.Clustering.DynamoDB;
/// one table holds many clusters, each cluster id a partition.
/// </summary>
public abstract class DynamoDBSiloTableOptions() : DynamoDBTableOptions(DefaultTableName)
{
    /// <summary>Orleans.Clustering.DynamoDB's default table name.</summary>
    public const string DefaultTableName = "OrleansSilos";
}
