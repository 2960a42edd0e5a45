using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using KinesisGrains.KeyedState.Export;
using KinesisGrains.KeyedState.Snapshots;
using KinesisGrains.Streaming.Kinesis.Leasing;

namespace KinesisGrains.Cli.State;

/// <summary>
/// Where an application's partition snapshots are, found as a silo finds them, without one: the lease table (named
/// after the application) gives the facts pinned at its first start (partition count, snapshot bucket and prefix) and
/// the stream incarnation; the snapshots live under <c>{prefix}/{application}/{incarnation}/</c> and the pointer table
/// <c>{application}-snapshots</c> says which one of each partition is committed. Reads only.
/// </summary>
internal sealed class ApplicationSnapshots : IDisposable
{
    private readonly IAmazonDynamoDB _dynamo;
    private readonly DynamoDBSnapshotFence _pointers;

    private ApplicationSnapshots(
        IAmazonDynamoDB dynamo, string application, string incarnation, int partitionCount, S3SnapshotOptions s3, long? snapshotId)
    {
        _dynamo = dynamo;
        Application = application;
        Incarnation = incarnation;
        PartitionCount = partitionCount;
        S3 = s3;
        PointerTable = $"{application}-snapshots";

        // The silo's fence table and row keys (SiloHost.SnapshotFence); never created from here.
        _pointers = new DynamoDBSnapshotFence(dynamo, new DynamoDBSnapshotFenceOptions
        {
            TableName = PointerTable,
            KeyPrefix = $"{s3.Bucket}/{s3.Prefix}/",
            CreateIfNotExists = false,
            UpdateIfExists = false,
        });

        // The seam for savepoints: another source names other snapshots, the reading stays the same.
        Source = snapshotId is { } id ? new GivenSnapshotSource(id) : new LatestSnapshotSource(_pointers);
        Reader = new OfflineStateReader(s3);
    }

    public string Application { get; }

    public string Incarnation { get; }

    public int PartitionCount { get; }

    /// <summary>The bucket and the full prefix (with application and incarnation) the partitions' folders are under.</summary>
    public S3SnapshotOptions S3 { get; }

    public string PointerTable { get; }

    public IStateSnapshotSource Source { get; }

    public OfflineStateReader Reader { get; }

    public string Location => $"s3://{S3.Bucket}/{S3.Prefix}/";

    /// <summary>Reads the application's facts and builds the reader; every refusal is one sentence.</summary>
    public static async Task<ApplicationSnapshots> OpenAsync(StateCommandSettings settings, CancellationToken cancellationToken)
    {
        var dynamo = CreateDynamoDB(settings);
        try
        {
            var record = await ApplicationRecord.ReadAsync(dynamo, settings.Application, cancellationToken)
                ?? throw CliException.Runtime(
                    $"application '{settings.Application}' has no lease table in DynamoDB{settings.DynamoDBWhere}: is --application the silos' Silo:ApplicationName?");
            if (record.Incarnation is not { } incarnation)
            {
                throw CliException.Runtime($"application '{settings.Application}' has not recorded its stream yet (lease table '{settings.Application}'): no silo has started on it.");
            }

            var bucket = settings.Bucket ?? record.Facts.GetValueOrDefault(ApplicationRecord.SnapshotBucketFact);
            if (bucket is null or ApplicationRecord.NoBucket)
            {
                throw CliException.Runtime(bucket is null
                    ? $"application '{settings.Application}' recorded no snapshot bucket: pass --bucket (the silos' Snapshots:Bucket)."
                    : $"application '{settings.Application}' runs without snapshots (no Snapshots:Bucket at its first start): its state is only on the silos' disks, there is nothing to read offline.");
            }

            var prefix = (settings.Prefix ?? record.Facts.GetValueOrDefault(ApplicationRecord.SnapshotPrefixFact) ?? new S3SnapshotOptions().Prefix).Trim('/');
            var partitions = record.PartitionCount
                ?? throw CliException.Runtime($"application '{settings.Application}' recorded no partition count (lease table '{settings.Application}'): no silo has started on it.");
            var s3 = new S3SnapshotOptions
            {
                Bucket = bucket,
                Prefix = SnapshotLocation.Prefix(prefix, settings.Application, incarnation),
                ServiceUrl = settings.S3Endpoint,
                Region = settings.Region,
            };
            return new ApplicationSnapshots(dynamo, settings.Application, incarnation, partitions, s3, settings.SnapshotId);
        }
        catch
        {
            dynamo.Dispose();
            throw;
        }
    }

    /// <summary>The states asked for, or every state with snapshots; a name without snapshots is refused with the ones there are.</summary>
    public async Task<IReadOnlyList<string>> StatesAsync(IReadOnlyList<string> asked, CancellationToken cancellationToken)
    {
        // The pointer rows say which partitions committed snapshots: S3 listings also hold uploads never committed.
        var present = (await _pointers.ListPartitionIdsAsync(cancellationToken))
            .Select(OfflineStateReader.StateNameOf)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (present.Count == 0)
        {
            throw CliException.Runtime($"application '{Application}' has no snapshots under {Location} (pointer table '{PointerTable}'): no partition has committed one yet.");
        }

        if (asked.FirstOrDefault(name => !present.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw CliException.Usage($"there is no state named '{unknown}' under {Location}; the states there are {string.Join(", ", present)}.");
        }

        return asked.Count > 0 ? [.. asked.Distinct(StringComparer.Ordinal)] : present;
    }

    /// <summary>
    /// The snapshot to read of each partition; refuses, naming them, when partitions have none (a partial export
    /// would look complete).
    /// </summary>
    public async Task<IReadOnlyList<(int Partition, string PartitionId, long SnapshotId)>> ResolveAsync(
        string state, IEnumerable<int> partitions, CancellationToken cancellationToken)
    {
        var resolved = new List<(int, string, long)>();
        var missing = new List<string>();
        foreach (var partition in partitions)
        {
            var partitionId = OfflineStateReader.PartitionIdOf(state, partition);
            if (await Source.SnapshotOfAsync(partitionId, cancellationToken) is { } id)
            {
                resolved.Add((partition, partitionId, id));
            }
            else
            {
                missing.Add(partitionId);
            }
        }

        if (missing.Count > 0)
        {
            throw CliException.Runtime(
                $"{(missing.Count == 1 ? "partition" : "partitions")} {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? $" and {missing.Count - 10} more" : "")} "
                + $"{(missing.Count == 1 ? "has" : "have")} no committed snapshot yet (pointer table '{PointerTable}'): let a silo run until a checkpoint barrier, or stop it gracefully, and try again.");
        }

        return resolved;
    }

    public void Dispose()
    {
        Reader.Dispose();
        _pointers.Dispose();
        _dynamo.Dispose();
    }

    /// <summary>A DynamoDB client the AWS way: the endpoint given, else the region; credentials from the SDK's default chain.</summary>
    private static IAmazonDynamoDB CreateDynamoDB(StateCommandSettings settings)
    {
        var config = new AmazonDynamoDBConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(20) };
        if (settings.DynamoDBEndpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = settings.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region);
        }

        return new AmazonDynamoDBClient(config);
    }

    /// <summary>An S3 client like the snapshot store's (plain bodies: s3rver stores aws-chunked ones verbatim), for the export's own objects.</summary>
    public static IAmazonS3 CreateS3(S3SnapshotOptions options)
    {
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is { } url)
        {
            config.ServiceURL = url.ToString();
            config.AuthenticationRegion = options.Region;
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return new AmazonS3Client(config);
    }
}
