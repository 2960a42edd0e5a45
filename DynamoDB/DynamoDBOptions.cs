namespace KinesisGrains.DynamoDB;

/// <summary>
/// Where the lease and checkpoint tables live. Leave the keys empty to use the AWS default credentials chain.
/// <see cref="DynamoDBOptionsValidator"/> holds their rules.
/// </summary>
public sealed class DynamoDBOptions
{
    /// <summary>An endpoint override (a local emulator); null for the AWS endpoint of <see cref="Region"/>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>The AWS region of the table, e.g. <c>eu-west-1</c>; used to sign requests also when <c>ServiceUrl</c> points at an emulator.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>An access key id; leave it and <see cref="SecretAccessKey"/> empty to use the AWS default credential chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>The secret of <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>
    /// Credentials to sign with, built by the host (an assumed role: <c>KinesisGrains.Aws.AwsCredentialsResolver</c>);
    /// when set, they win over the keys. Not a setting: configure RoleArn and the keys instead.
    /// </summary>
    public Amazon.Runtime.AWSCredentials? Credentials { get; set; }
}
