using KinesisGrains.Abstractions.KeyedState;
using KinesisGrains.Benchmarks.State;

namespace KinesisGrains.Benchmarks.Visibility;

/// <summary>The partitions the visibility benchmark reads into.</summary>
public interface IVisibilityPartition : IKeyedStatePartition<CounterState>
{
    public const string StreamNamespace = "visibility-bench";
}
