using System.CommandLine;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Client;
using KinesisGrains.Clustering.DynamoDB;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Cli.Commands;

/// <summary>Options several commands share, with their environment fallbacks.</summary>
internal static class CommonOptions
{
    /// <summary>On the root command and every subcommand: JSON on stdout, no colours, no progress bars.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write machine-readable JSON to stdout (no colours, no progress bars)",
        Recursive = true,
    };

    public static readonly Option<Uri?> KinesisUrl = UrlArgument.EndpointOption(
        "--kinesis-url", "KINESIS_ENDPOINT", "Kinesis endpoint (an emulator), an http(s) URL; default: $KINESIS_ENDPOINT, else AWS in --region");

    public static readonly Option<string> Region = new("--region")
    {
        Description = "AWS region",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
    };

    /// <summary>
    /// For the commands that tell running silos by their lease renewals (reset, rescale, pause, savepoint restore): how
    /// long a lease's owner may not renew it and be gone, at least (<see cref="LeaseFailoverWait"/>).
    /// </summary>
    public static readonly Option<Duration> LeaseFailoverTime = new("--lease-failover-time")
    {
        Description = "At least how long a shard lease whose owner does not renew it is watched before it counts as a stopped silo's (the silos' Kinesis:LeaseFailoverTime); "
            + $"silos record theirs at start, and a longer recorded one is used instead ({DurationArgument.Examples})",
        CustomParser = DurationArgument.Parse,
        DefaultValueFactory = _ => new Duration(TimeSpan.FromSeconds(10)),
    };

    public static readonly Option<string> Stream = new("--stream")
    {
        Description = "Kinesis stream name",
        DefaultValueFactory = _ => "clickstream",
    };

    public static readonly Option<Uri> Silo = new("--silo")
    {
        Description = "HTTP endpoint of a silo, an http(s) URL; default: $SILO_URL, else http://127.0.0.1:8080",
        CustomParser = result => UrlArgument.Parse(result)!,
        DefaultValueFactory = _ => UrlArgument.FromEnvironment("SILO_URL", fallback: "http://127.0.0.1:8080")!,
    };

    public static readonly Option<int[]> Gateway = new("--gateway")
    {
        Description = "Orleans gateway port(s) of silos on 127.0.0.1, comma-separated or repeated; default: $SILO_GATEWAY (comma-separated), else 30000",
        CustomParser = PortListArgument.Parse,
        DefaultValueFactory = _ => PortListArgument.FromEnvironment("SILO_GATEWAY", fallback: 30000),
    };

    public static readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "Orleans cluster id of the silos; default: $SILO_CLUSTER_ID, else kgrains",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SILO_CLUSTER_ID") is { Length: > 0 } id ? id : "kgrains",
    };

    public static readonly Option<string?> DynamoDBUrl = new("--dynamodb-url")
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
    public static async Task<ClusterConnection> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var clusterId = parse.GetValue(ClusterId)!;
        if (parse.GetValue(DynamoDBUrl) is { Length: > 0 } dynamoDb)
        {
            return await GatewayProbe.WithinConnectTimeoutAsync(
                ClusterConnection.ConnectDynamoDBAsync(dynamoDb, parse.GetValue(MembershipTable)!, clusterId, cancellationToken: cancellationToken),
                $"the Orleans gateways in the membership table '{parse.GetValue(MembershipTable)}' at {dynamoDb} (cluster id '{clusterId}')",
                cancellationToken);
        }

        return await ConnectToGatewaysAsync(parse.GetValue(Gateway)!, clusterId, cancellationToken);
    }

    /// <summary>An Orleans client connected to the silos' gateways on 127.0.0.1 <paramref name="ports"/>.</summary>
    public static async Task<ClusterConnection> ConnectToGatewaysAsync(int[] ports, string clusterId, CancellationToken cancellationToken)
    {
        await GatewayProbe.EnsureAnyListensAsync(ports, cancellationToken);
        return await GatewayProbe.WithinConnectTimeoutAsync(
            ClusterConnection.ConnectAsync(ports, clusterId, cancellationToken: cancellationToken),
            $"the Orleans gateways on 127.0.0.1:{string.Join(',', ports)} (cluster id '{clusterId}')",
            cancellationToken);
    }

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
