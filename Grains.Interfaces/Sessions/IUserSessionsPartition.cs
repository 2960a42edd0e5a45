using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Grains.Sessions;

/// <summary>The partition grain that holds the sessions of the users of one slice of the key space.</summary>
/// <remarks>It reads the clickstream itself (the user activity's namespace): the same reads, another aggregation.</remarks>
public interface IUserSessionsPartition : IWindowedPartition<long>
{
}
