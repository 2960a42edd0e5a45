namespace KinesisGrains.Abstractions.Monitoring;

public enum ShardReceiverState
{
    Starting,
    WaitingForParents,
    Reading,
    Ended,
    Stopped,
    Failed,
}
