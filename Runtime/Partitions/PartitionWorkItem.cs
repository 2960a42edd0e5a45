namespace KinesisGrains.Runtime.Partitions;

/// <summary>A unit of work run on a partition's logical thread, one at a time.</summary>
internal abstract class PartitionWorkItem
{
    public abstract Task ExecuteAsync(Partition partition);

    public abstract void Fail(Exception exception);
}
