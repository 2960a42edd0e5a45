namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>A grain state item as read: the serialized state (null once cleared) and its etag.</summary>
internal readonly record struct StoredGrainState(byte[]? State, string Etag);
