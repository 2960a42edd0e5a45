namespace KinesisGrains.KeyedState.Rescaling;

/// <summary>The partitions' state cannot be rescaled as it is; the message says why and what to do. Nothing was changed.</summary>
internal sealed class RescaleRefusedException(string message) : Exception(message);
