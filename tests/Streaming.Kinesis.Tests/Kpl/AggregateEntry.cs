namespace KinesisGrains.Tests.Kpl;

/// <summary>A user record to put into a test aggregate.</summary>
internal sealed record AggregateEntry(string PartitionKey, string? ExplicitHashKey, byte[] Data);
