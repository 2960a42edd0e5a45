namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// A silo's cluster membership in DynamoDB (<c>siloBuilder.UseDynamoDBClustering(options => ...)</c>); the cluster is
/// <c>ClusterOptions.ClusterId</c>, the partition of the table that holds its silos.
/// </summary>
public sealed class DynamoDBClusteringOptions : DynamoDBSiloTableOptions;
