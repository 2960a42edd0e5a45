using System.Text.Json.Serialization;

namespace KinesisGrains.Kinesis.Client;

// Request and response bodies of the JSON 1.1 protocol. Names match the wire; null members are omitted.
// Small public records (Shard, KinesisRecord, ...) are read directly; only the envelopes live here.

internal sealed record CreateStreamRequest(string StreamName, int ShardCount);

internal sealed record DeleteStreamRequest(string StreamName);

internal sealed record DescribeStreamSummaryRequest(string StreamName);

internal sealed record DescribeStreamSummaryResult(StreamDescriptionSummaryWire? StreamDescriptionSummary);

internal sealed record StreamDescriptionSummaryWire(
    string StreamName,
    [property: JsonPropertyName("StreamARN")] string StreamArn,
    string StreamStatus,
    DateTimeOffset StreamCreationTimestamp,
    int? OpenShardCount,
    int RetentionPeriodHours);

/// <summary>With a <c>NextToken</c> the service wants no StreamName (kinesis-local rejects both together).</summary>
internal sealed record ListShardsRequest(string? StreamName, string? NextToken, int MaxResults, ShardFilterWire? ShardFilter);

internal sealed record ShardFilterWire(string Type, string? ShardId, DateTimeOffset? Timestamp);

internal sealed record ListShardsResult(List<Shard>? Shards, string? NextToken);

internal sealed record GetShardIteratorRequest(
    string StreamName,
    string ShardId,
    string ShardIteratorType,
    string? StartingSequenceNumber,
    DateTimeOffset? Timestamp);

internal sealed record GetShardIteratorResult(string? ShardIterator);

internal sealed record GetRecordsRequest(string ShardIterator, int Limit);

internal sealed record GetRecordsResult(
    List<KinesisRecord>? Records,
    string? NextShardIterator,
    long? MillisBehindLatest,
    List<ChildShard>? ChildShards);

internal sealed record PutRecordsRequest(string StreamName, IReadOnlyList<PutRecordsRequestEntry> Records);

internal sealed record PutRecordsResult(int? FailedRecordCount, List<PutRecordsResultEntry>? Records);

internal sealed record SplitShardRequest(string StreamName, string ShardToSplit, UInt128 NewStartingHashKey);

internal sealed record MergeShardsRequest(string StreamName, string ShardToMerge, string AdjacentShardToMerge);

internal sealed record UpdateShardCountRequest(string StreamName, int TargetShardCount, string ScalingType);

internal sealed record UpdateShardCountResult(string? StreamName, int? CurrentShardCount, int? TargetShardCount);

// Enhanced fan-out. A consumer is named by its ARN, or by the stream's ARN and its name.

internal sealed record RegisterStreamConsumerRequest([property: JsonPropertyName("StreamARN")] string StreamArn, string ConsumerName);

internal sealed record ConsumerRequest(
    [property: JsonPropertyName("StreamARN")] string? StreamArn,
    string? ConsumerName,
    [property: JsonPropertyName("ConsumerARN")] string? ConsumerArn);

internal sealed record ConsumerWire(
    string? ConsumerName,
    [property: JsonPropertyName("ConsumerARN")] string? ConsumerArn,
    string? ConsumerStatus,
    DateTimeOffset? ConsumerCreationTimestamp,
    [property: JsonPropertyName("StreamARN")] string? StreamArn);

internal sealed record RegisterStreamConsumerResult(ConsumerWire? Consumer);

internal sealed record DescribeStreamConsumerResult(ConsumerWire? ConsumerDescription);

internal sealed record ListStreamConsumersRequest([property: JsonPropertyName("StreamARN")] string StreamArn, string? NextToken, int? MaxResults);

internal sealed record ListStreamConsumersResult(List<ConsumerWire>? Consumers, string? NextToken);

internal sealed record StartingPositionWire(string Type, string? SequenceNumber, DateTimeOffset? Timestamp);

internal sealed record SubscribeToShardRequest(
    [property: JsonPropertyName("ConsumerARN")] string ConsumerArn,
    string ShardId,
    StartingPositionWire StartingPosition);

internal sealed record SubscribeToShardEventWire(
    List<KinesisRecord>? Records,
    string? ContinuationSequenceNumber,
    long? MillisBehindLatest,
    List<ChildShard>? ChildShards);

internal sealed record EventStreamExceptionBody(string? Message);
