namespace KinesisGrains.Kinesis.Client;

/// <summary>An enhanced fan-out consumer registered on a stream.</summary>
/// <param name="ConsumerArn">Carries the registration time: a consumer registered again under the same name gets a new ARN.</param>
/// <param name="StreamArn">Only DescribeStreamConsumer returns it.</param>
public sealed record StreamConsumer(
    string ConsumerName,
    string ConsumerArn,
    ConsumerStatus Status,
    DateTimeOffset? CreationTimestamp,
    string? StreamArn = null);
