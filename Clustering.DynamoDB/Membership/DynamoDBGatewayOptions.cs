namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// A client's view of the silo instance table (<c>clientBuilder.UseDynamoDBClustering(options => ...)</c>): it reads the
/// gateways of the active silos of <c>ClusterOptions.ClusterId</c>.
/// </summary>
public sealed class DynamoDBGatewayOptions : DynamoDBSiloTableOptions;
