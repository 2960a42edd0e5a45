using KinesisGrains.Abstractions.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace KinesisGrains.KeyedState.Placement;

/// <summary>
/// Orleans placement director of <see cref="ShardAffinityPlacement"/>: a partition grain (integer key p) activates
/// on the silo reading the shard under p's slice; a placement hint in the request, an unknown home or one that cannot
/// host the grain leave the choice to Orleans' default placement.
/// </summary>
internal sealed class ShardAffinityPlacementDirector(IServiceProvider services) : IPlacementDirector
{
    private readonly Lazy<IPartitionPlacement?> _placement = new(services.GetService<IPartitionPlacement>);
    private readonly Lazy<(PlacementStrategy Strategy, IPlacementDirector Director)> _fallback = new(() =>
    {
        var strategy = services.GetRequiredService<PlacementStrategy>();
        return (strategy, services.GetRequiredKeyedService<IPlacementDirector>(strategy.GetType()));
    });

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, compatible) is { } hint)
        {
            return Task.FromResult(hint);
        }

        if (target.GrainIdentity.TryGetIntegerKey(out var partition, out _)
            && partition is >= 0 and <= int.MaxValue
            && _placement.Value?.HomeOf((int)partition) is { } home
            && compatible.Contains(home.Silo))
        {
            return Task.FromResult(home.Silo);
        }

        var (fallbackStrategy, fallback) = _fallback.Value;
        return fallback.OnAddActivation(fallbackStrategy, target, context);
    }
}
