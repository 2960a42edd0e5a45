namespace KinesisGrains.Kinesis.Client;

/// <summary>The result of UpdateShardCount (the resharding itself finishes asynchronously).</summary>
public sealed record UpdateShardCountResponse(string StreamName, int CurrentShardCount, int TargetShardCount);
