using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Sinks.Delta;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains delta optimize</c> and <c>kgrains delta vacuum</c>: maintenance of a Delta table the Delta sink writes,
/// through the sink's own table code (<see cref="DeltaSinkRuntime"/>, <see cref="DeltaTable"/>). The table's options
/// shared by both: where it is, the S3 and DynamoDB endpoints, and the log store every writer of the table uses.
/// Credentials come the AWS way: $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY (and $AWS_SESSION_TOKEN), or the rest
/// of the default chain (profile, SSO, instance role); no flag takes a key, so none lands in a shell history.
/// </summary>
internal static class DeltaCommand
{
    public static readonly Option<string> Bucket = new("--bucket")
    {
        Description = "S3 bucket of the table",
        Required = true,
        CustomParser = ParseBucket,
    };

    public static readonly Option<string> TablePath = new("--path")
    {
        Description = "The table's folder in the bucket, e.g. tables/user_summary (the sink's Path); \"\" for the bucket root",
        Required = true,
        CustomParser = ParseTablePath,
    };

    public static readonly Option<Uri?> Endpoint = UrlArgument.EndpointOption(
        "--endpoint", "AWS_ENDPOINT_URL_S3", "S3 endpoint (an emulator, a VPC endpoint), an http(s) URL; default: $AWS_ENDPOINT_URL_S3, else AWS in --region");

    public static readonly Option<DeltaLogStoreKind> LogStore = new("--log-store")
    {
        Description = "How writers of the table get a version: S3 (conditional writes) or DynamoDB (delta-io's S3DynamoDBLogStore table); "
            + "the one the silo's sink uses (Sinks:{name}:LogStore)",
        CustomParser = ParseLogStore,
        DefaultValueFactory = _ => DeltaLogStoreKind.S3,
    };

    public static readonly Option<string> LogTable = new("--log-table")
    {
        Description = "With --log-store DynamoDB: the DynamoDB table of the log store (Sinks:{name}:LogTableName)",
        DefaultValueFactory = _ => DeltaLogTableOptions.DefaultTableName,
    };

    public static readonly Option<string?> LogTablePath = new("--log-table-path")
    {
        Description = "With --log-store DynamoDB: the tablePath key of the log store's entries (Sinks:{name}:LogTablePath); default: s3://BUCKET/PATH",
    };

    public static readonly Option<Uri?> DynamoDBEndpoint = UrlArgument.EndpointOption(
        "--dynamodb-endpoint", "AWS_ENDPOINT_URL_DYNAMODB", "With --log-store DynamoDB: DynamoDB endpoint, an http(s) URL; default: $AWS_ENDPOINT_URL_DYNAMODB, else AWS in --region");

    public static Command Create() =>
        new("delta", "Maintain a Delta table the Delta sink writes: compact its small files, delete files it no longer references")
        {
            DeltaOptimizeCommand.Create(),
            DeltaVacuumCommand.Create(),
        };

    /// <summary>The options every delta subcommand takes, and the rule that DynamoDB settings need the DynamoDB log store.</summary>
    public static Command WithTableOptions(this Command command)
    {
        foreach (var option in new Option[] { Bucket, TablePath, Endpoint, CommonOptions.Region, LogStore, LogTable, LogTablePath, DynamoDBEndpoint })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            DeltaLogStoreKind store;
            try
            {
                // A validator sees no result for an option left out (its default is not applied yet).
                store = result.GetResult(LogStore) is { } storeResult ? storeResult.GetValueOrDefault<DeltaLogStoreKind>() : DeltaLogStoreKind.S3;
            }
            catch (InvalidOperationException)
            {
                return; // not a log store at all: reported already
            }

            if (store == DeltaLogStoreKind.S3
                && new Option[] { LogTable, LogTablePath, DynamoDBEndpoint }.FirstOrDefault(o => result.GetResult(o) is { Implicit: false }) is { } given)
            {
                // Silently ignored, it would leave this writer outside the silo's log store: two writers could then take one version.
                result.AddError($"{given.Name} needs --log-store DynamoDB; without it the table's commits go through S3 conditional writes.");
            }
        });
        return command;
    }

    /// <summary>The sink's options for the table on the command line: the same S3 and DynamoDB clients, log store and table code as the silo's sink.</summary>
    public static DeltaSinkOptions SinkOptions(ParseResult parse, long? targetFileSize = null)
    {
        var options = new DeltaSinkOptions
        {
            Name = "cli",
            Application = "kgrains",
            StateName = "maintenance",
            Bucket = parse.GetValue(Bucket)!,
            Path = parse.GetValue(TablePath)!,
            ServiceUrl = parse.GetValue(Endpoint),
            Region = parse.GetValue(CommonOptions.Region)!,
            LogStore = parse.GetValue(LogStore),
            LogTableName = parse.GetValue(LogTable)!,
            LogTablePath = parse.GetValue(LogTablePath),
            DynamoDBServiceUrl = parse.GetValue(DynamoDBEndpoint),
        };
        if (targetFileSize is { } size)
        {
            options.TargetFileSize = size;
        }

        // Keys stay unset: the SDK's default chain reads $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY first.
        return options;
    }

    /// <summary>
    /// Opens the table for maintenance and runs <paramref name="maintain"/> on it; a bucket, path or log store that does
    /// not hold a table, and every refusal of S3 or DynamoDB, become one sentence and exit code 1.
    /// </summary>
    public static async Task<int> WithTableAsync(DeltaSinkOptions options, Func<DeltaTable, DeltaSnapshot, Task<int>> maintain, CancellationToken cancellationToken)
    {
        var uri = options.Path.Length == 0 ? $"s3://{options.Bucket}" : $"s3://{options.Bucket}/{options.Path}";
        var s3 = options.ServiceUrl is { } url ? $"S3 at {url.GetLeftPart(UriPartial.Authority)}" : $"S3 in {options.Region}";
        DeltaSinkRuntime runtime;
        try
        {
            runtime = new DeltaSinkRuntime(options);
        }
        catch (Orleans.Runtime.OrleansConfigurationException exception)
        {
            throw CliException.Usage(KgrainsCli.Sentence(exception.Message));
        }

        using (runtime)
        {
            try
            {
                var table = runtime.OpenTable(null);
                var snapshot = await table.RefreshAsync(cancellationToken);
                if (snapshot.Version < 0 || snapshot.Metadata is null)
                {
                    // Above all for vacuum: on a folder that is no table every file would count as unreferenced.
                    throw CliException.Runtime($"there is no Delta table at {uri}: {uri}/_delta_log has no commits (is --path the table's folder?).");
                }

                return await maintain(table, snapshot);
            }
            catch (AmazonS3Exception exception) when (exception.ErrorCode == "NoSuchBucket")
            {
                throw CliException.Runtime($"the bucket '{options.Bucket}' does not exist in {s3}.", exception);
            }
            catch (AmazonServiceException exception)
            {
                var service = exception is AmazonDynamoDBException ? $"DynamoDB (log table '{options.LogTableName}')" : s3;
                var code = string.IsNullOrEmpty(exception.ErrorCode) ? $"{(int)exception.StatusCode}" : exception.ErrorCode;
                throw CliException.Runtime($"{service} refused a request for {uri}: {code}: {KgrainsCli.Sentence(exception.Message).TrimEnd('.')}.", exception);
            }
            catch (AmazonClientException exception) when (exception.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal))
            {
                throw CliException.Runtime(
                    "found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile or role the AWS SDK's default chain finds.", exception);
            }
            catch (Exception exception) when (exception is AmazonClientException or HttpRequestException or TimeoutException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A refused connection, a name that does not resolve, a request that timed out.
                var reason = exception is OperationCanceledException ? "a request timed out" : KgrainsCli.Sentence(exception.Message).TrimEnd('.');
                var service = exception.Message.Contains("dynamodb", StringComparison.OrdinalIgnoreCase)
                    || (options.DynamoDBServiceUrl is { } dynamo && Regex.IsMatch(exception.Message, Regex.Escape(dynamo.Authority) + @"(?![0-9])"))
                    ? $"DynamoDB (log table '{options.LogTableName}')"
                    : s3;
                throw CliException.Runtime($"cannot reach {service} for {uri}: {reason}.", exception);
            }
            catch (Exception exception) when (exception is DeltaTableUnsupportedException or DeltaLogCorruptException or DeltaConcurrentModificationException or DeltaTableMismatchException)
            {
                throw CliException.Runtime(KgrainsCli.Sentence(exception.Message), exception);
            }
        }
    }

    private static string ParseBucket(ArgumentResult result)
    {
        var value = string.Join(' ', result.Tokens.Select(t => t.Value)).Trim();
        if (value.Length is < 3 or > 63 || value.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            result.AddError($"--bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, '-' or '.'), not '{value}'.");
        }

        return value;
    }

    private static string ParseTablePath(ArgumentResult result)
    {
        var value = string.Join(' ', result.Tokens.Select(t => t.Value));
        var path = value.Trim().Trim('/');
        if (path.Contains("//", StringComparison.Ordinal) || path.StartsWith("s3:", StringComparison.OrdinalIgnoreCase) || path.StartsWith("s3a:", StringComparison.OrdinalIgnoreCase))
        {
            result.AddError($"--path must be the table's folder within the bucket, such as tables/user_summary, not '{value}'.");
        }

        return path;
    }

    private static DeltaLogStoreKind ParseLogStore(ArgumentResult result)
    {
        var value = string.Join(' ', result.Tokens.Select(t => t.Value));
        if (Enum.TryParse<DeltaLogStoreKind>(value, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !value.Any(char.IsAsciiDigit))
        {
            return kind;
        }

        result.AddError($"--log-store must be S3 or DynamoDB, not '{value}'.");
        return DeltaLogStoreKind.S3;
    }
}
