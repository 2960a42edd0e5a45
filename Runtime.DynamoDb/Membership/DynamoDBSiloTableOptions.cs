using Orleans;

namespace KinesisGrains.DynamoDb.Membership;

/// <summary>
/// Where the silo instance table lives and how to reach it: the settings silos (<see cref="DynamoDBClusteringOptions"/>)
/// and clients (<see cref="DynamoDBGatewayOptions"/>) share. Names and defaults are those of Orleans.Clustering.DynamoDB.
/// </summary>
public abstract class DynamoDBSiloTableOptions
{
    /// <summary>Orleans.Clustering.DynamoDB's default table name.</summary>
    public const string DefaultTableName = "OrleansSilos";
    public const int DefaultReadCapacityUnits = 10;
    public const int DefaultWriteCapacityUnits = 5;

    /// <summary>An AWS region name such as <c>eu-west-1</c>, or an http(s) endpoint URL (an emulator, a VPC endpoint). Required.</summary>
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

    /// <summary>One table holds many clusters: each cluster id is a partition.</summary>
    public string TableName { get; set; } = DefaultTableName;

    /// <summary>Provisioned capacity (<see cref="ReadCapacityUnits"/>, <see cref="WriteCapacityUnits"/>) instead of on-demand billing.</summary>
    public bool UseProvisionedThroughput { get; set; } = true;

    public int ReadCapacityUnits { get; set; } = DefaultReadCapacityUnits;

    public int WriteCapacityUnits { get; set; } = DefaultWriteCapacityUnits;

    /// <summary>Creates the table at start when it is missing; without it, a missing table fails the start.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>At start, brings an existing table's billing mode and capacity in line with these options.</summary>
    public bool UpdateIfExists { get; set; } = true;
}
