namespace KinesisGrains.Abstractions.Views;

/// <summary>
/// The partition streams one stream provider feeds, its lanes: lane <c>v × P + p</c> is partition p of view v, on the
/// Orleans stream (namespace of v, p); view 0 is the primary view (the message handler's keys, the provider's stream
/// namespace), views 1.. the keyed views in the order they were added. Each lane is a chain of batches of its own: the
/// shard's read ledger keeps a From per lane, and a barrier tells each partition grain the LastSent of its own view's
/// lane. With no keyed views a lane is a partition.
/// </summary>
/// <remarks>
/// One instance is shared by a provider's context, its receivers and its checkpoint barrier, so a live rescale changes
/// P for all of them at once (<see cref="Resize"/>), while no receiver of the provider runs.
/// </remarks>
internal sealed class StreamLanes
{
    private readonly string[] _namespaces;
    private volatile int _partitionCount;

    /// <param name="primaryNamespace">The stream namespace of the primary view.</param>
    /// <param name="viewNames">The keyed views' names (their stream namespaces), in order.</param>
    public StreamLanes(string primaryNamespace, IEnumerable<string> viewNames, int partitionCount)
    {
        ArgumentNullException.ThrowIfNull(primaryNamespace);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        _namespaces = [primaryNamespace, .. viewNames];
        _partitionCount = partitionCount;
    }

    /// <summary>Each view's stream namespace, by view index (0: the primary view).</summary>
    public IReadOnlyList<string> Namespaces => _namespaces;

    public int PartitionCount => _partitionCount;

    /// <summary>Views, the primary one included.</summary>
    public int ViewCount => _namespaces.Length;

    /// <summary>Lanes in all: views × partitions.</summary>
    public int Count => _namespaces.Length * PartitionCount;

    public int LaneOf(int view, int partition) => (view * PartitionCount) + partition;

    public int ViewOf(int lane) => lane / PartitionCount;

    public int PartitionOf(int lane) => lane % PartitionCount;

    public string NamespaceOf(int lane) => _namespaces[ViewOf(lane)];

    /// <summary>Changes P: the lanes of every view are laid out again (a live rescale, while no receiver runs).</summary>
    public void Resize(int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        _partitionCount = partitionCount;
    }

    /// <summary>The index of the view whose stream namespace is <paramref name="streamNamespace"/>; -1 when none is.</summary>
    public int ViewNamed(string streamNamespace) => Array.IndexOf(_namespaces, streamNamespace);
}
