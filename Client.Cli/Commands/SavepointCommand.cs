using System.CommandLine;
using Amazon.Runtime;
using KinesisGrains.Cli.Output;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Cli.Savepoints;
using KinesisGrains.DynamoDB;
using KinesisGrains.KeyedState.Snapshots;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains savepoint create|list|restore|delete</c>: named points an application's state and checkpoints go back to
/// (<see cref="SavepointStore"/>). The application is found by its name in DynamoDB (its lease table records the
/// partition count, the stream and the snapshot bucket); credentials come the AWS way, as for <c>kgrains delta</c>.
/// </summary>
internal static class SavepointCommand
{
    public static readonly Option<string> Application = new("--application")
    {
        Description = "The application's name (Silo:ApplicationName): its lease table and snapshot pointer table are named after it",
        Required = true,
    };

    public static readonly Option<Uri?> DynamoDBEndpoint = UrlArgument.EndpointOption(
        "--dynamodb-endpoint", "AWS_ENDPOINT_URL_DYNAMODB", "DynamoDB endpoint of the application's tables, an http(s) URL; default: $AWS_ENDPOINT_URL_DYNAMODB, else AWS in --region");

    public static readonly Option<Uri?> S3Endpoint = UrlArgument.EndpointOption(
        "--s3-endpoint", "AWS_ENDPOINT_URL_S3", "S3 endpoint of the snapshot bucket, an http(s) URL; default: $AWS_ENDPOINT_URL_S3, else AWS in --region");

    public static readonly Option<bool> NoBarrier = new("--no-barrier")
    {
        Description = "With silos running, pin the snapshots of the application's last barrier (up to Kinesis:CheckpointInterval old) instead of asking every silo for a checkpoint cycle first",
    };

    public static readonly Option<Duration> BarrierTimeout = new Option<Duration>("--barrier-timeout")
    {
        Description = $"How long the silos' checkpoint cycle may take before the savepoint is given up ({DurationArgument.Examples})",
        CustomParser = DurationArgument.Parse,
        DefaultValueFactory = _ => new Duration(TimeSpan.FromMinutes(5)),
    }.Positive();

    public static Command Create() => new("savepoint", "Take, list, restore and delete savepoints: every partition's snapshot pinned with the shard positions to replay from")
    {
        Sub("create", "Pin every partition's snapshot as a named savepoint (kept apart from retention); with silos running, at a checkpoint cycle each runs first", async (store, name, output, parse, cancellationToken) =>
        {
            var savepoint = await store.CreateAsync(name!, cancellationToken, parse.GetValue(NoBarrier) ? null : BarrierOf(parse));
            if (output.IsJson)
            {
                output.WriteJson(Summary(savepoint));
            }
            else
            {
                var at = savepoint.Barrier is { } silos ? $" at a checkpoint cycle of {silos.Count} silo(s) ({string.Join(", ", silos.Select(s => $"{s.Silo} cycle {s.Cycle}"))})" : "";
                output.WriteLine($"Savepoint '{savepoint.Name}' created{at}: {savepoint.Partitions.Count} partition snapshots pinned, {savepoint.Shards.Count} shard positions recorded.");
            }
        }, [NoBarrier, BarrierTimeout, CommonOptions.Gateway, CommonOptions.ClusterId, CommonOptions.DynamoDBUrl, CommonOptions.MembershipTable]),
        Sub("list", "List the application's savepoints", async (store, _, output, _, cancellationToken) =>
        {
            var savepoints = await store.ListAsync(cancellationToken);
            if (output.IsJson)
            {
                output.WriteJson(savepoints.Select(Summary));
                return;
            }

            if (savepoints.Count == 0)
            {
                output.WriteLine("No savepoints.");
                return;
            }

            var table = new Table().AddColumns("Name", "Created", "Partitions", "Shards");
            foreach (var savepoint in savepoints)
            {
                table.AddRow(Markup.Escape(savepoint.Name), savepoint.CreatedAt.ToString("u"), $"{savepoint.PartitionCount} × {savepoint.Partitions.Count / Math.Max(1, savepoint.PartitionCount)} states", savepoint.Shards.Count.ToString());
            }

            output.Console.Write(table);
        }, named: false),
        Sub("restore", "Take the stopped application back to a savepoint: its partitions restore the pinned snapshots and its shards are read again from the savepoint's positions", async (store, name, output, _, cancellationToken) =>
        {
            var restore = await store.RestoreAsync(name!, cancellationToken);
            if (output.IsJson)
            {
                output.WriteJson(new { savepoint = Summary(restore.Savepoint), childrenReset = restore.ChildrenReset, partitionsNotInSavepoint = restore.PartitionsNotInSavepoint, rescaledTo = restore.RescaledTo });
                return;
            }

            output.WriteLine($"Application '{restore.Savepoint.Application}' restored to savepoint '{restore.Savepoint.Name}' of {restore.Savepoint.CreatedAt:u}: "
                + $"{restore.Savepoint.Partitions.Count} partitions, {restore.Savepoint.Shards.Count} shards; start its silos to replay from there.");
            if (restore.RescaledTo is { } partitions)
            {
                output.WriteLine($"The savepoint was taken with {restore.Savepoint.PartitionCount} partitions: its state was cut into the application's {partitions}.");
            }

            if (restore.ChildrenReset.Count > 0)
            {
                output.WriteLine($"Shards born after the savepoint are read again from their beginning: {string.Join(", ", restore.ChildrenReset)}.");
            }

            if (restore.PartitionsNotInSavepoint.Count > 0)
            {
                output.WriteLine($"Partitions of states added after the savepoint keep their state: {string.Join(", ", restore.PartitionsNotInSavepoint)}.");
            }
        }, [CommonOptions.LeaseFailoverTime]),
        Sub("delete", "Delete a savepoint: its snapshots are unpinned, and pruning deletes what no retained snapshot needs", async (store, name, output, _, cancellationToken) =>
        {
            var unpinned = await store.DeleteAsync(name!, cancellationToken);
            if (output.IsJson)
            {
                output.WriteJson(new { name, unpinned });
            }
            else
            {
                output.WriteLine($"Savepoint '{name}' deleted: {unpinned} snapshots unpinned.");
            }
        }),
    };

    /// <summary>The barrier of 'create': the silos are reached as 'kgrains query' reaches them, only if one runs.</summary>
    private static SavepointBarrier BarrierOf(ParseResult parse)
    {
        var target = parse.GetValue(CommonOptions.DynamoDBUrl) is { Length: > 0 } membership
            ? $"the gateways of membership table '{parse.GetValue(CommonOptions.MembershipTable)}' at {membership}"
            : $"127.0.0.1:{string.Join(',', parse.GetValue(CommonOptions.Gateway)!)}";
        return new SavepointBarrier(cancellationToken => CommonOptions.ConnectAsync(parse, cancellationToken), $"{target} (cluster id '{parse.GetValue(CommonOptions.ClusterId)}')")
        {
            Timeout = parse.GetValue(BarrierTimeout).Value,
        };
    }

    private static Command Sub(string verb, string description, Func<SavepointStore, string?, CliOutput, ParseResult, CancellationToken, Task> run, Option[]? options = null, bool named = true)
    {
        var name = new Argument<string>("name") { Description = "The savepoint's name: 1 to 100 ASCII letters, digits, '-', '_' or '.'" };
        var command = new Command(verb, description) { Application, DynamoDBEndpoint, S3Endpoint, CommonOptions.Region };
        foreach (var option in options ?? [])
        {
            command.Options.Add(option);
        }

        if (named)
        {
            command.Arguments.Add(name);
            name.Validators.Add(result =>
            {
                if (SavepointStore.NameProblem(result.GetValueOrDefault<string>()) is { } problem)
                {
                    result.AddError(problem);
                }
            });
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            var region = parse.GetValue(CommonOptions.Region)!;
            using var dynamo = DynamoDBClientFactory.Create(new DynamoDBOptions { ServiceUrl = parse.GetValue(DynamoDBEndpoint), Region = region });
            using var s3 = S3ClientFactory.Create(new S3SnapshotOptions { Bucket = "savepoints", ServiceUrl = parse.GetValue(S3Endpoint), Region = region });
            try
            {
                var application = parse.GetValue(Application)!;

                // Only restore watches the leases (it refuses while silos run): the silos' recorded failover time may lengthen the watch.
                var store = command.Options.Contains(CommonOptions.LeaseFailoverTime)
                    ? new SavepointStore(dynamo, s3, application)
                    {
                        LeaseFailoverTime = await LeaseFailoverWait.ResolveAsync(dynamo, application, parse.GetValue(CommonOptions.LeaseFailoverTime).Value, output, cancellationToken),
                    }
                    : new SavepointStore(dynamo, s3, application);
                await run(store, named ? parse.GetValue(name) : null, output, parse, cancellationToken);
            }
            catch (AmazonServiceException exception)
            {
                throw CliException.Runtime($"{exception.GetType().Name.Replace("Exception", "", StringComparison.Ordinal)}: {KgrainsCli.Sentence(exception.Message)}", exception);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static object Summary(SavepointDescriptor savepoint) => new
    {
        name = savepoint.Name,
        created = savepoint.CreatedAt,
        application = savepoint.Application,
        stream = savepoint.StreamName,
        partitionCount = savepoint.PartitionCount,
        partitions = savepoint.Partitions.Select(p => new { id = p.PartitionId, snapshot = p.SnapshotId, epoch = p.Epoch }),
        shards = savepoint.Shards.Select(s => new { id = s.ShardId, checkpoint = s.Checkpoint, subSequenceNumber = s.SubSequenceNumber }),
        barrier = savepoint.Barrier?.Select(s => new { silo = s.Silo, workerId = s.WorkerId, cycle = s.Cycle, completed = s.CompletedAt }),
    };
}
