using System.CommandLine;
using KinesisGrains.Client;
using KinesisGrains.DynamoDb.Membership;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Cli.Commands;

/// <summary>Options several commands share, with their environment fallbacks.</summary>
internal static class CommonOptions
{
    public static readonly Option<Uri?> KinesisUrl = new("--kinesis-url")
    {
        Description = "Kinesis endpoint (an emulator); default: $KINESIS_ENDPOINT, else AWS in --region",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KINESIS_ENDPOINT") is { Length: > 0 } url ? new Uri(url) : null,
    };

    public static readonly Option<string> Region = new("--region")
    {
        Description = "AWS region",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
    };

    public static readonly Option<string> Stream = new("--stream")
    {
        Description = "Kinesis stream name",
        DefaultValueFactory = _ => "clickstream",
    };

    public static readonly Option<Uri> Silo = new("--silo")
    {
        Description = "HTTP endpoint of a silo; default: $SILO_URL, else http://127.0.0.1:8080",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable("SILO_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:8080"),
    };

    public static readonly Option<int[]> Gateway = new("--gateway")
    {
        Description = "Orleans gateway port(s) of silos on 127.0.0.1; default: $SILO_GATEWAY (comma-separated), else 30000",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SILO_GATEWAY") is { Length: > 0 } ports
            ? [.. ports.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)]
            : [30000],
    };

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "Orleans cluster id of the silos; default: $SILO_CLUSTER_ID, else kgrains",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SILO_CLUSTER_ID") is { Length: > 0 } id ? id : "kgrains",
    };

    public static readonly Option<string?> DynamoDbUrl = new("--dynamodb-url")
    {
        Description = "DynamoDB endpoint or AWS region of the silos' membership table (silos with Silo:Clustering=DynamoDB); "
            + "finds the gateways there instead of --gateway; default: $SILO_DYNAMODB_URL",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SILO_DYNAMODB_URL") is { Length: > 0 } url ? url : null,
    };

    public static readonly Option<string> MembershipTable = new("--membership-table")
    {
        Description = "The silos' membership table (Silo:MembershipTableName), with --dynamodb-url",
        DefaultValueFactory = _ => DynamoDBSiloTableOptions.DefaultTableName,
    };

    /// <summary>An Orleans client connected to the silos' gateways: those in the membership table with --dynamodb-url, else --gateway.</summary>
    public static Task<ClusterConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken) =>
        parse.GetValue(DynamoDbUrl) is { Length: > 0 } dynamoDb
            ? ClusterConnection.ConnectDynamoDbAsync(dynamoDb, parse.GetValue(MembershipTable)!, parse.GetValue(ClusterId)!, cancellationToken: cancellationToken)
            : ClusterConnection.ConnectAsync(parse.GetValue(Gateway)!, parse.GetValue(ClusterId)!, cancellationToken: cancellationToken);

    public static KinesisClient CreateKinesisClient(ParseResult parse)
    {
        var options = new KinesisClientOptions { ServiceUrl = parse.GetValue(KinesisUrl), Region = parse.GetValue(Region)! };
        if (options.ServiceUrl is not null)
        {
            // Emulators accept any key; real AWS uses the default credentials chain.
            options.AccessKeyId = "local";
            options.SecretAccessKey = "local";
        }

        return new KinesisClient(options);
    }
}
