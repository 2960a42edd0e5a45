using System.Text.Json.Serialization;

namespace KinesisGrains.Kinesis.Client;

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(EpochSecondsConverter), typeof(UInt128DecimalConverter)])]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(DeleteStreamRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResult))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResult))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResult))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResult))]
[JsonSerializable(typeof(PutRecordsRequest))]
[JsonSerializable(typeof(PutRecordsResult))]
[JsonSerializable(typeof(SplitShardRequest))]
[JsonSerializable(typeof(MergeShardsRequest))]
[JsonSerializable(typeof(UpdateShardCountRequest))]
[JsonSerializable(typeof(UpdateShardCountResult))]
[JsonSerializable(typeof(RegisterStreamConsumerRequest))]
[JsonSerializable(typeof(RegisterStreamConsumerResult))]
[JsonSerializable(typeof(ConsumerRequest))]
[JsonSerializable(typeof(DescribeStreamConsumerResult))]
[JsonSerializable(typeof(ListStreamConsumersRequest))]
[JsonSerializable(typeof(ListStreamConsumersResult))]
[JsonSerializable(typeof(SubscribeToShardRequest))]
[JsonSerializable(typeof(SubscribeToShardEventWire))]
[JsonSerializable(typeof(EventStreamExceptionBody))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;
