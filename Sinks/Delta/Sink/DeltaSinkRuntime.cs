using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using KinesisGrains.DynamoDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// What one configured Delta sink shares on a silo: its S3 (and DynamoDB) clients, the table's storage and log store.
/// The sink writes data files through it; the committer grain and maintenance (optimize, vacuum) open
/// <see cref="DeltaTable"/>s from it.
/// </summary>
internal sealed class DeltaSinkRuntime : IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly IAmazonDynamoDB? _dynamo;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;

    /// <exception cref="Orleans.Runtime.OrleansConfigurationException">Invalid options.</exception>
    public DeltaSinkRuntime(DeltaSinkOptions options, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        new DeltaSinkOptionsValidator(options).ValidateConfiguration();
        Options = options;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _time = time ?? TimeProvider.System;
        _s3 = CreateS3(options);
        Storage = new DeltaTableStorage(_s3, options.Bucket, options.Path);
        if (options.LogStore == DeltaLogStoreKind.DynamoDB)
        {
            var service = options.DynamoDBServiceUrl?.ToString() ?? options.Region;
            _dynamo = DynamoDBClientFactory.Create(service, options.AccessKeyId, options.SecretAccessKey, options.SessionToken, null, options.Region, options.Credentials);
            LogStore = new DynamoDBDeltaLogStore(
                Storage, _dynamo, new DeltaLogTableOptions { Service = service, TableName = options.LogTableName }, options.LogTablePath,
                _loggers.CreateLogger<DynamoDBDeltaLogStore>(), _time);
        }
        else
        {
            LogStore = new S3DeltaLogStore(Storage);
        }
    }

    public DeltaSinkOptions Options { get; }

    public DeltaTableStorage Storage { get; }

    public IDeltaLogStore LogStore { get; }

    public DeltaTableOptions TableOptions => new()
    {
        CheckpointInterval = Options.CheckpointInterval,
        TargetFileSize = Options.TargetFileSize,
        WriterId = $"{Options.Application}/{Options.Name}",
    };

    /// <summary>A table for one writer; <paramref name="definition"/> null for maintenance of an existing table.</summary>
    public DeltaTable OpenTable(DeltaTableDefinition? definition) =>
        new(Storage, LogStore, TableOptions, definition, _loggers.CreateLogger<DeltaTable>(), _time);

    public DeltaDataFileWriter FileWriter(DeltaTableDefinition definition) => new(definition.ToSchema(), Storage, _time);

    /// <summary>The merge writer of a merge table (<see cref="DeltaSinkMode.Merge"/>).</summary>
    public DeltaMergeWriter MergeWriter(DeltaTableDefinition definition) => new(definition, Storage, _time);

    public void Dispose()
    {
        _s3.Dispose();
        _dynamo?.Dispose();
    }

    private static AmazonS3Client CreateS3(DeltaSinkOptions options)
    {
        var config = new AmazonS3Config
        {
            // SDK 4.x otherwise sends aws-chunked bodies with trailing checksums, which emulators such as s3rver store verbatim.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            Timeout = options.RequestTimeout,
        };
        if (options.ServiceUrl is not null)
        {
            config.ServiceURL = options.ServiceUrl.ToString();
            config.AuthenticationRegion = options.Region;

            // Emulators have no wildcard DNS for virtual-hosted buckets.
            config.ForcePathStyle = true;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.Credentials is { } given)
        {
            return new AmazonS3Client(given, config);
        }

        if (string.IsNullOrEmpty(options.AccessKeyId))
        {
            return new AmazonS3Client(config);
        }

        AWSCredentials credentials = string.IsNullOrEmpty(options.SessionToken)
            ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
            : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
        return new AmazonS3Client(credentials, config);
    }
}
