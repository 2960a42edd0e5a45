using KinesisGrains.Abstractions.ExactlyOnce;

namespace KinesisGrains.Streaming.Kinesis.Source;

/// <summary>The gate of a silo that holds no keyed state: nothing to make durable, so no shard has a gap.</summary>
internal sealed class StatelessCheckpointGate : ICheckpointGate
{
    public static readonly StatelessCheckpointGate Instance = new();

    public Task<IReadOnlyList<ShardGap>> SnapshotAsync(IReadOnlyList<ShardDelivery> deliveries, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ShardGap>>([]);
}
