using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>The 1-minute tumbling counts of the event-time benchmark, as callers see them.</summary>
public interface ITumblingCountPartition : IWindowedPartition<long>
{
    public const string StreamNamespace = "bench-tumbling";
}
