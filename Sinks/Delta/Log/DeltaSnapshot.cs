namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// A table's state at <see cref="Version"/> (PROTOCOL.md, Action Reconciliation): the last protocol and metaData, the
/// latest <c>txn</c> version per appId, the live files (adds not removed since) and the tombstones (removes not re-added).
/// <see cref="DeltaTable"/> moves it forward commit by commit; do not keep it across a table's calls.
/// </summary>
internal sealed class DeltaSnapshot
{
    private readonly Dictionary<string, DeltaTxn> _transactions;
    private readonly Dictionary<string, DeltaAddFile> _files;
    private readonly Dictionary<string, DeltaRemoveFile> _tombstones;

    internal DeltaSnapshot()
        : this(-1, null, null, new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal))
    {
    }

    private DeltaSnapshot(
        long version, DeltaProtocol? protocol, DeltaMetadata? metadata,
        Dictionary<string, DeltaTxn> transactions, Dictionary<string, DeltaAddFile> files, Dictionary<string, DeltaRemoveFile> tombstones)
    {
        Version = version;
        Protocol = protocol;
        Metadata = metadata;
        _transactions = transactions;
        _files = files;
        _tombstones = tombstones;
    }

    /// <summary>The table version; -1 when the table does not exist yet.</summary>
    public long Version { get; private set; }

    public DeltaProtocol? Protocol { get; private set; }

    public DeltaMetadata? Metadata { get; private set; }

    /// <summary>The latest txn of each appId.</summary>
    public IReadOnlyDictionary<string, DeltaTxn> Transactions => _transactions;

    /// <summary>The live data files by path.</summary>
    public IReadOnlyDictionary<string, DeltaAddFile> Files => _files;

    /// <summary>Removed files by path, until a checkpoint drops them after the tombstone retention.</summary>
    public IReadOnlyDictionary<string, DeltaRemoveFile> Tombstones => _tombstones;

    /// <summary>The latest version <paramref name="appId"/> committed; null when it never did.</summary>
    public long? TxnVersion(string appId) => _transactions.TryGetValue(appId, out var txn) ? txn.Version : null;

    /// <summary>The version's actions as a checkpoint holds them: protocol, metaData, txns, adds, then tombstones newer than <paramref name="keepTombstonesAfter"/> (epoch ms).</summary>
    public IEnumerable<DeltaAction> ToActions(long keepTombstonesAfter = long.MinValue)
    {
        if (Protocol is not null)
        {
            yield return new DeltaAction { Protocol = Protocol };
        }

        if (Metadata is not null)
        {
            yield return new DeltaAction { Metadata = Metadata };
        }

        foreach (var txn in _transactions.Values)
        {
            yield return new DeltaAction { Txn = txn };
        }

        foreach (var add in _files.Values)
        {
            yield return new DeltaAction { Add = add };
        }

        foreach (var remove in _tombstones.Values.Where(r => (r.DeletionTimestamp ?? long.MaxValue) > keepTombstonesAfter))
        {
            yield return new DeltaAction { Remove = remove };
        }
    }

    internal DeltaSnapshot Clone() => new(Version, Protocol, Metadata, new(_transactions, StringComparer.Ordinal), new(_files, StringComparer.Ordinal), new(_tombstones, StringComparer.Ordinal));

    /// <summary>Applies the actions of commit (or checkpoint) <paramref name="version"/>.</summary>
    internal void Apply(long version, IEnumerable<DeltaAction> actions)
    {
        foreach (var action in actions)
        {
            if (action.Protocol is { } protocol)
            {
                Protocol = protocol;
            }

            if (action.Metadata is { } metadata)
            {
                Metadata = metadata;
            }

            if (action.Txn is { } txn)
            {
                _transactions[txn.AppId] = txn;
            }

            if (action.Add is { } add)
            {
                _files[add.Path] = add;
                _tombstones.Remove(add.Path);
            }

            if (action.Remove is { } remove)
            {
                _files.Remove(remove.Path);
                _tombstones[remove.Path] = remove;
            }
        }

        Version = version;
    }
}
