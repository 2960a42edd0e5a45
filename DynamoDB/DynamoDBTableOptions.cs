using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Orleans;

namespace KinesisGrains.DynamoDB;

/// <summary>
/// How to reach a DynamoDB table and how it is created: the settings grain storage, clustering and gateway options
/// share. Names and defaults are those of the Orleans AWS providers.
/// </summary>
public abstract class DynamoDBTableOptions
{
    /// <summary>Read capacity of a table created with provisioned throughput.</summary>
    public const int DefaultReadCapacityUnits = 10;
    /// <summary>Write capacity of a table created with provisioned throughput.</summary>
    public const int DefaultWriteCapacityUnits = 5;

    /// <summary>Options of a table named <paramref name="defaultTableName"/> unless <see cref="TableName"/> is set.</summary>
    protected DynamoDBTableOptions(string defaultTableName) => TableName = defaultTableName;

    /// <summary>An AWS region name such as <c>eu-west-1</c>, or an http(s) endpoint URL (an emulator, a VPC endpoint). Required.</summary>
    public string Service { get; set; } = "";

    /// <summary>An access key id; leave it and <see cref="SecretKey"/> empty to use <see cref="ProfileName"/> or the AWS default credentials.</summary>
    [Redact]
    public string? AccessKey { get; set; }

    /// <summary>The secret of <see cref="AccessKey"/>.</summary>
    [Redact]
    public string? SecretKey { get; set; }

    /// <summary>The session token of temporary credentials; needs <see cref="AccessKey"/> and <see cref="SecretKey"/>.</summary>
    [Redact]
    public string? Token { get; set; }

    /// <summary>
    /// Credentials to sign with, built by the host (an assumed role: <c>KinesisGrains.Aws.AwsCredentialsResolver</c>);
    /// when set, they win over the keys. Not a setting: configure RoleArn and the keys instead.
    /// </summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; set; }

    /// <summary>A named profile of the AWS shared credentials files.</summary>
    public string? ProfileName { get; set; }

    /// <summary>The table's name; several clusters may share one table (rows are keyed by cluster or application).</summary>
    public string TableName { get; set; }

    /// <summary>Provisioned capacity (<see cref="ReadCapacityUnits"/>, <see cref="WriteCapacityUnits"/>) instead of on-demand billing.</summary>
    public bool UseProvisionedThroughput { get; set; } = true;

    /// <summary>Read capacity units when <see cref="UseProvisionedThroughput"/> creates the table.</summary>
    public int ReadCapacityUnits { get; set; } = DefaultReadCapacityUnits;

    /// <summary>Write capacity units when <see cref="UseProvisionedThroughput"/> creates the table.</summary>
    public int WriteCapacityUnits { get; set; } = DefaultWriteCapacityUnits;

    /// <summary>Creates the table at start when it is missing; without it, a missing table fails the start.</summary>
    public bool CreateIfNotExists { get; set; } = true;

    /// <summary>At start, brings an existing table's billing mode and capacity (and time to live, where used) in line with these options.</summary>
    public bool UpdateIfExists { get; set; } = true;

    /// <summary>The table of these options, keyed by two string attributes, with their billing mode.</summary>
    internal CreateTableRequest CreateTableRequest(string hashKey, string rangeKey) => new()
    {
        TableName = TableName,
        KeySchema = [new KeySchemaElement(hashKey, KeyType.HASH), new KeySchemaElement(rangeKey, KeyType.RANGE)],
        AttributeDefinitions = [new AttributeDefinition(hashKey, ScalarAttributeType.S), new AttributeDefinition(rangeKey, ScalarAttributeType.S)],
        BillingMode = UseProvisionedThroughput ? BillingMode.PROVISIONED : BillingMode.PAY_PER_REQUEST,
        ProvisionedThroughput = UseProvisionedThroughput ? new ProvisionedThroughput(ReadCapacityUnits, WriteCapacityUnits) : null,
    };
}
