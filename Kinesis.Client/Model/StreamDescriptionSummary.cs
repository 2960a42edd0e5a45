namespace KinesisGrains.Kinesis.Client;

/// <summary>What DescribeStreamSummary tells about a stream.</summary>
/// <param name="StreamCreationTimestamp">Tells a recreated stream from an older one of the same name.</param>
public sealed record StreamDescriptionSummary(
    string StreamName,
    string StreamArn,
    StreamStatus StreamStatus,
    DateTimeOffset StreamCreationTimestamp,
    int OpenShardCount,
    int RetentionPeriodHours);
