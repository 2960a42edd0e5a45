namespace KinesisGrains.Abstractions.DeadLetters;

/// <summary>A record that could not be processed, with the reason and its data in base64.</summary>
public sealed record DeadLetter(
    string ShardId,
    string SequenceNumber,
    long SubSequenceNumber,
    string PartitionKey,
    DateTimeOffset ArrivalTime,
    DateTimeOffset FailedAt,
    string Reason,
    string DataBase64);
