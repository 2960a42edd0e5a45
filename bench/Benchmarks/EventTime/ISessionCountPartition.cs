using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Benchmarks.EventTime;

/// <summary>The 30-minute session counts of the event-time benchmark, as callers see them.</summary>
public interface ISessionCountPartition : IWindowedPartition<long>
{
    public const string StreamNamespace = "bench-sessions";
}
