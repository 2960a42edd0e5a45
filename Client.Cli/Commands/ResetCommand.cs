using System.CommandLine;
using System.Globalization;
using Amazon.Runtime;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.DynamoDB;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains reset --to TRIM_HORIZON | LATEST | AT_TIMESTAMP &lt;t&gt; [--shard id] --clear-state | --keep-state</c>:
/// moves the read position of a stopped application in its lease table and starts its state afresh
/// (<see cref="ReadPositionReset"/>), or keeps it and has its partitions forget the reset shards, whose records are
/// then applied again (<see cref="Rescaling.ApplicationRescaler.ResetKeepingStateAsync"/>, from its S3 snapshots).
/// <c>--live</c> does either to a running application at a barrier (<see cref="Pausing.LiveReset"/>).
/// </summary>
internal static class ResetCommand
{
    private static readonly string[] s_positions = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"];

    /// <summary>The application whose lease table reset, pause and resume change.</summary>
    public static readonly Option<string> Application = new("--application")
    {
        Description = "The application (the silos' Silo:ApplicationName, which names its lease table)",
        Required = true,
    };

    /// <summary>--dynamodb-endpoint as the state and savepoint commands spell it; --dynamodb-url, its first name, still works.</summary>
    public static readonly Option<string?> LeaseTableEndpoint = new("--dynamodb-endpoint", "--dynamodb-url")
    {
        Description = "DynamoDB endpoint (an emulator) of the application's lease table, the silos' DynamoDB:ServiceUrl; default: $AWS_ENDPOINT_URL_DYNAMODB, else $SILO_DYNAMODB_URL, else AWS in --region",
        DefaultValueFactory = _ =>
            Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_DYNAMODB") is { Length: > 0 } endpoint ? endpoint
            : Environment.GetEnvironmentVariable("SILO_DYNAMODB_URL") is { Length: > 0 } url ? url : null,
    };

    /// <summary>With --live: where the silos' gateways are listed (silos with Silo:Clustering=DynamoDB), instead of --gateway.</summary>
    public static readonly Option<string?> LiveMembershipTable = new("--membership-table")
    {
        Description = "With --live: find the silos' gateways in this membership table (Silo:MembershipTableName; silos with Silo:Clustering=DynamoDB), on the lease table's DynamoDB, instead of --gateway",
    };

    /// <summary>How long a pause waits for the silos to hand their shard leases back.</summary>
    public static readonly Option<Duration> PauseTimeout = new Option<Duration>("--pause-timeout")
    {
        Description = $"How long the silos may take to hand their shard leases back after a final checkpoint ({DurationArgument.Examples})",
        CustomParser = DurationArgument.Parse,
        DefaultValueFactory = _ => new Duration(TimeSpan.FromMinutes(2)),
    }.Positive();

    public static Command Create()
    {
        var to = new Option<string[]>("--to")
        {
            Description = "Where the shards read from now: TRIM_HORIZON (the oldest record kept), LATEST (only records put after the reset), or AT_TIMESTAMP <t> (the first record that arrived at or after t, ISO-8601)",
            Required = true,
            Arity = new ArgumentArity(1, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var application = Application;
        var dynamoDb = LeaseTableEndpoint;
        var shard = new Option<string?>("--shard") { Description = "Move only this shard's position; the others keep theirs (and start from it with the empty state)" };
        var clearState = new Option<bool>("--clear-state") { Description = "The application's state starts empty: every partition forgets what it held" };
        var keepState = new Option<bool>("--keep-state") { Description = "Keep the state: the partitions forget the reset shards, whose records from the new position are applied again on top of it (needs the S3 snapshots: --s3-endpoint)" };
        var live = new Option<bool>("--live")
        {
            Description = "Reset a running application at a barrier: its input pauses, its partitions hand their state over, the reset runs, and the input resumes (needs the S3 snapshots: --s3-endpoint; its silos' gateways: --gateway or --membership-table, and --cluster-id)",
        };
        var LiveMembershipTable = new Option<string?>("--membership-table")
        {
            Description = "With --live: find the silos' gateways in this membership table (Silo:MembershipTableName; silos with Silo:Clustering=DynamoDB), on the lease table's DynamoDB, instead of --gateway",
        };
        var command = new Command(
            "reset",
            "Reset the read position of an application (every shard, or one) and clear or keep its state; refused while a silo runs it, unless --live does it at a barrier")
        {
            to, application, dynamoDb, SavepointCommand.S3Endpoint, CommonOptions.Region, shard, clearState, keepState, live, CommonOptions.LeaseFailoverTime,
            CommonOptions.Gateway, LiveMembershipTable, CommonOptions.ClusterId, PauseTimeout,
        };
        command.Validators.Add(result =>
        {
            var values = result.GetResult(to)?.Tokens.Select(t => t.Value).ToArray() ?? [];
            if (PositionProblem(values) is { } problem)
            {
                result.AddError(problem);
            }
            else if (IsSet(result, clearState) == IsSet(result, keepState))
            {
                result.AddError("Say what becomes of the state: --clear-state (it starts empty) or --keep-state, one of them.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var values = parse.GetValue(to)!;
            var position = values[0];
            DateTimeOffset? timestamp = values.Length == 2 ? ParseTimestamp(values[1]) : null;
            var name = parse.GetValue(application)!;
            var region = parse.GetValue(CommonOptions.Region)!;
            using var table = LeaseTableClient.Open(parse);
            var (service, dynamo) = (table.Service, table.DynamoDB);
            var failover = await table.RunAsync("reset", dynamo => LeaseFailoverWait.ResolveAsync(
                dynamo, name, parse.GetValue(CommonOptions.LeaseFailoverTime).Value, output, cancellationToken));
            if (parse.GetValue(live))
            {
                return await LiveAsync(parse, output, dynamo, name, position, timestamp, parse.GetValue(shard), parse.GetValue(keepState), failover, region, (service, parse.GetValue(LiveMembershipTable)), cancellationToken);
            }

            if (parse.GetValue(keepState))
            {
                return await KeepStateAsync(parse, output, dynamo, name, position, timestamp, parse.GetValue(shard), failover, region, cancellationToken);
            }

            var result = await table.RunAsync("reset", dynamo => ReadPositionReset.RunAsync(
                dynamo, name, position, timestamp, parse.GetValue(shard), failover, TimeProvider.System, cancellationToken));

            var at = result.Timestamp is { } t ? $" ({(position == "LATEST" ? "records put after " : "")}{t:O})" : "";
            if (output.IsJson)
            {
                output.WriteJson(new { application = name, to = position, timestamp = result.Timestamp, reset = result.ResetShards, kept = result.KeptShards, stateGeneration = result.StateGeneration });
            }
            else
            {
                output.WriteLine(
                    $"Application '{name}': {Count(result.ResetShards.Count)} now read from {position}{at}" +
                    (result.KeptShards.Count > 0 ? $", {Count(result.KeptShards.Count)} from {(result.KeptShards.Count == 1 ? "its" : "their")} checkpoint" : "") +
                    $"; the state starts empty (generation {result.StateGeneration}) when its silos start.");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<int> KeepStateAsync(
        System.CommandLine.ParseResult parse, CliOutput output, Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string name, string position, DateTimeOffset? timestamp,
        string? shardId, TimeSpan failover, string region, CancellationToken cancellationToken)
    {
        using var s3 = KeyedState.Snapshots.S3ClientFactory.Create(new KeyedState.Snapshots.S3SnapshotOptions { Bucket = "reset", ServiceUrl = parse.GetValue(SavepointCommand.S3Endpoint), Region = region });
        Rescaling.KeepStateReset result;
        try
        {
            result = await new Rescaling.ApplicationRescaler(dynamo, s3, name) { LeaseFailoverTime = failover }.ResetKeepingStateAsync(position, timestamp, shardId, cancellationToken);
        }
        catch (AmazonServiceException exception)
        {
            throw CliException.Runtime($"{exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}: {KgrainsCli.Sentence(exception.Message)}", exception);
        }

        if (output.IsJson)
        {
            output.WriteJson(new { application = name, to = result.Position, timestamp = result.Timestamp, reset = result.Shards, keptState = true, finishedEarlier = result.Finished });
        }
        else
        {
            var at = result.Timestamp is { } t ? $" ({t:O})" : "";
            output.WriteLine(
                $"Application '{name}': {Count(result.Shards.Count)} now read from {result.Position}{at}, and the state is kept: "
                + "their records from there are applied again when its silos start." + (result.Finished ? " (An interrupted reset was finished.)" : ""));
        }

        return ExitCodes.Success;
    }

    private static async Task<int> LiveAsync(
        System.CommandLine.ParseResult parse, CliOutput output, Amazon.DynamoDBv2.IAmazonDynamoDB dynamo, string name, string position, DateTimeOffset? timestamp,
        string? shardId, bool keepState, TimeSpan failover, string region, (string DynamoDB, string? Table) membership, CancellationToken cancellationToken)
    {
        using var s3 = KeyedState.Snapshots.S3ClientFactory.Create(new KeyedState.Snapshots.S3SnapshotOptions { Bucket = "reset", ServiceUrl = parse.GetValue(SavepointCommand.S3Endpoint), Region = region });
        var reset = new Pausing.LiveReset(dynamo, s3, name, Pausing.PausedSilos.Of(parse, name, membership.DynamoDB, membership.Table, "reset"))
        {
            PauseTimeout = parse.GetValue(PauseTimeout).Value,
            LeaseFailoverTime = failover,
        };
        Pausing.LiveResetReport report;
        try
        {
            report = await reset.RunAsync(keepState, position, timestamp, shardId, cancellationToken);
        }
        catch (AmazonServiceException exception)
        {
            throw CliException.Runtime(
                $"{exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}: {KgrainsCli.Sentence(exception.Message)} The application stays paused: run the reset again, or 'kgrains resume'.", exception);
        }

        var result = report.Reset;
        if (output.IsJson)
        {
            output.WriteJson(new { application = name, to = result.Position, timestamp = result.Timestamp, reset = result.Shards, keptState = keepState, live = true, partitionsHandedOver = report.Partitions, inputPausedSeconds = Math.Round(report.InputPaused.TotalSeconds, 1), finishedEarlier = result.Finished });
        }
        else
        {
            var at = result.Timestamp is { } t ? $" ({t:O})" : "";
            output.WriteLine(
                $"Application '{name}' was reset at a barrier ({report.Partitions} partition(s) handed over): {Count(result.Shards.Count)} now read from {result.Position}{at}, "
                + (keepState ? "and their records from there are applied again on top of the state" : "into an empty state")
                + $"; its input resumed after {report.InputPaused.TotalSeconds:F1} s paused." + (result.Finished ? " (An interrupted reset was finished.)" : ""));
        }

        return ExitCodes.Success;
    }

    private static string Count(int shards) => shards == 1 ? "1 shard" : $"{shards} shards";

    private static bool IsSet(System.CommandLine.Parsing.CommandResult result, Option<bool> option) =>
        result.GetResult(option) is { } given && given.Tokens.Count switch
        {
            0 => true,
            _ => bool.TryParse(given.Tokens[0].Value, out var value) && value,
        };

    /// <summary>What is wrong with the values of --to; null when they are a position (and a time with AT_TIMESTAMP).</summary>
    internal static string? PositionProblem(string[] values)
    {
        if (values.Length == 0 || !s_positions.Contains(values[0], StringComparer.Ordinal))
        {
            return $"--to must be TRIM_HORIZON, LATEST or AT_TIMESTAMP <time>, not '{string.Join(' ', values)}'.";
        }

        if (values[0] == "AT_TIMESTAMP" && (values.Length != 2 || !TryParseTimestamp(values[1], out _)))
        {
            return $"--to AT_TIMESTAMP needs an ISO-8601 time such as 2026-12-07T01:30:00Z (UTC when it has no offset), not '{string.Join(' ', values[1..])}'.";
        }

        if (values[0] != "AT_TIMESTAMP" && values.Length != 1)
        {
            return $"--to {values[0]} takes no time; only AT_TIMESTAMP does.";
        }

        return null;
    }

    private static DateTimeOffset ParseTimestamp(string text) =>
        TryParseTimestamp(text, out var value) ? value : throw CliException.Usage($"'{text}' is not an ISO-8601 time.");

    private static bool TryParseTimestamp(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
