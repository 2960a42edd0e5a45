namespace KinesisGrains.Streaming.Kinesis.Leasing;

/// <summary>A reset refused because a silo runs the application.</summary>
internal sealed class ApplicationRunningException(string message) : InvalidOperationException(message);
