namespace KinesisGrains.Silo.Configuration;

/// <summary>How the silos of a cluster find each other (<c>Silo:Clustering</c>).</summary>
public enum SiloClustering
{
    /// <summary>Orleans' development clustering on 127.0.0.1: each silo is a cluster of its own.</summary>
    Localhost,

    /// <summary>An Orleans membership table in DynamoDB (<c>Silo:MembershipTableName</c>): silos on many hosts form one cluster.</summary>
    DynamoDB,
}
