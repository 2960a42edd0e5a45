namespace KinesisGrains.Sinks.Delta;

/// <summary>How writers of a Delta table get a version to themselves (<see cref="IDeltaLogStore"/>).</summary>
public enum DeltaLogStoreKind
{
    /// <summary>S3 conditional writes (<c>If-None-Match: *</c>): needs S3 itself; an emulator that ignores the header (s3rver) gives no mutual exclusion.</summary>
    S3,

    /// <summary>A DynamoDB table in delta-io's S3DynamoDBLogStore layout: works on any S3 store and on dynalite.</summary>
    DynamoDB,
}
