namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>A grain state item as read: the state's JSON and its etag.</summary>
internal readonly record struct StoredGrainState(string Json, string Etag);
