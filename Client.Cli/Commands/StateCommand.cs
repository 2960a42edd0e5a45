using System.CommandLine;
using Amazon.Runtime;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Cli.State;
using KinesisGrains.KeyedState.Export;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains state export</c> and <c>kgrains state get</c>: the partitions' state read from their S3 snapshots,
/// without a running silo (Flink's State Processor API, Spark's State Data Source). The options every subcommand
/// takes: the application, and the DynamoDB and S3 endpoints its silos use. Credentials come the AWS way, as for
/// <c>kgrains delta</c>.
/// </summary>
internal static class StateCommand
{
    public static readonly Option<string> Application = new("--application")
    {
        Description = "The silos' Silo:ApplicationName (default: the silo's default, clickstream-demo): its lease table holds the partition count, snapshot bucket and prefix pinned at its first start",
        DefaultValueFactory = _ => "clickstream-demo",
    };

    public static readonly Option<string[]> StateName = new("--state")
    {
        Description = "A state's name (the partition grain's StateName, e.g. user-activity); repeat for several; default: every state with snapshots (get: the only one)",
    };

    public static readonly Option<Uri?> DynamoDBEndpoint = UrlArgument.EndpointOption(
        "--dynamodb-endpoint", "AWS_ENDPOINT_URL_DYNAMODB", "DynamoDB endpoint of the lease and snapshot pointer tables, an http(s) URL; default: $AWS_ENDPOINT_URL_DYNAMODB, else AWS in --region");

    public static readonly Option<Uri?> S3Endpoint = UrlArgument.EndpointOption(
        "--s3-endpoint", "AWS_ENDPOINT_URL_S3", "S3 endpoint of the snapshots (and of an s3:// --to), an http(s) URL; default: $AWS_ENDPOINT_URL_S3, else AWS in --region");

    public static readonly Option<string?> Bucket = new("--bucket")
    {
        Description = "The snapshot bucket; default: the one the application pinned (Snapshots:Bucket)",
    };

    public static readonly Option<string?> Prefix = new("--prefix")
    {
        Description = "The snapshot prefix as configured (Snapshots:Prefix, before {application}/{stream}); default: the one the application pinned",
    };

    public static readonly Option<long?> SnapshotId = new("--snapshot-id")
    {
        Description = "Read this snapshot instead of the latest committed one (ids are per partition: with export, give --partition)",
    };

    public static Command Create() =>
        new("state", "Read the partitions' state from their S3 snapshots without a running silo: export every key, or get one")
        {
            StateExportCommand.Create(),
            StateGetCommand.Create(),
        };

    /// <summary>The options every state subcommand takes.</summary>
    public static Command WithStateOptions(this Command command)
    {
        foreach (var option in new Option[] { Application, StateName, DynamoDBEndpoint, S3Endpoint, CommonOptions.Region, Bucket, Prefix, SnapshotId })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetResult(SnapshotId) is { Implicit: false } given && given.GetValueOrDefault<long?>() is <= 0)
            {
                result.AddError("--snapshot-id must be a positive snapshot id.");
            }
        });
        return command;
    }

    public static StateCommandSettings Settings(ParseResult parse) => new(
        parse.GetValue(Application)!,
        parse.GetValue(DynamoDBEndpoint),
        parse.GetValue(S3Endpoint),
        parse.GetValue(CommonOptions.Region)!,
        parse.GetValue(Bucket),
        parse.GetValue(Prefix),
        parse.GetValue(SnapshotId));

    /// <summary>
    /// Opens the application's snapshots and runs <paramref name="read"/>; S3 and DynamoDB refusals, unreachable
    /// endpoints, missing credentials and missing or corrupt snapshots become one sentence and exit code 1.
    /// </summary>
    public static async Task<int> WithSnapshotsAsync(ParseResult parse, Func<ApplicationSnapshots, Task<int>> read, CancellationToken cancellationToken)
    {
        var settings = Settings(parse);
        try
        {
            using var snapshots = await ApplicationSnapshots.OpenAsync(settings, cancellationToken);
            return await read(snapshots);
        }
        catch (StateSnapshotMissingException exception)
        {
            throw CliException.Runtime(KgrainsCli.Sentence(exception.Message), exception);
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("DynamoDB table", StringComparison.Ordinal)
            && exception.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            // The pointer table is missing (never created from here): no partition ever committed a snapshot.
            throw CliException.Runtime(
                $"application '{settings.Application}' has no snapshot pointer table '{settings.Application}-snapshots': no partition has committed a snapshot yet.", exception);
        }
        catch (Exception exception) when (exception is InvalidDataException
            || (exception is InvalidOperationException && exception.Message.StartsWith("DynamoDB table", StringComparison.Ordinal)))
        {
            // A snapshot file missing or corrupt; a pointer table of another key schema.
            throw CliException.Runtime(KgrainsCli.Sentence(exception.Message), exception);
        }
        catch (AmazonClientException exception) when (exception.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
        {
            throw CliException.Runtime(
                "found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile or role the AWS SDK's default chain finds.", exception);
        }
        catch (AmazonServiceException exception)
        {
            var service = exception is Amazon.DynamoDBv2.AmazonDynamoDBException ? $"DynamoDB{settings.DynamoDBWhere}" : "S3";
            var code = string.IsNullOrEmpty(exception.ErrorCode) ? $"{(int)exception.StatusCode}" : exception.ErrorCode;
            throw CliException.Runtime($"{service} refused a request of application '{settings.Application}': {code}: {KgrainsCli.Sentence(exception.Message).TrimEnd('.')}.", exception);
        }
        catch (Exception exception) when (exception is AmazonClientException or HttpRequestException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = exception is OperationCanceledException ? "a request timed out" : KgrainsCli.Sentence(exception.Message).TrimEnd('.');
            throw CliException.Runtime($"cannot reach DynamoDB or S3 for application '{settings.Application}': {reason}.", exception);
        }
    }
}
