namespace KinesisGrains.Simulation.Model;

/// <summary>
/// A partition's snapshot store (S3 with a conditional pointer, rule 5). Only the current writer's token may add a
/// snapshot; unfenced, a zombie's late snapshot overwrites the newest one in place (the pointer now names stale data
/// and nothing tells). Losing or corrupting the newest snapshot is known to the store: a restore falls back, loudly.
/// </summary>
internal sealed class SnapshotStore(bool fenced)
{
    private readonly List<Snapshot> _snapshots = [];
    private long _sequence;

    public long CurrentWriter { get; private set; }

    /// <summary>The newest snapshot the current lineage of writers ever added (lost or not).</summary>
    public long NewestWritten { get; private set; }

    public int Count => _snapshots.Count;

    /// <summary>A new activation takes the pointer; earlier activations' tokens stop being accepted (when fenced).</summary>
    public long Acquire(long token) => CurrentWriter = token;

    /// <returns>False when the store refused the write (a fenced zombie).</returns>
    public bool Put(long writer, StoreImage image)
    {
        if (writer == CurrentWriter)
        {
            _snapshots.Add(new Snapshot(++_sequence, image, false));
            NewestWritten = _sequence;
            if (_snapshots.Count > 4)
            {
                _snapshots.RemoveAt(0);
            }

            return true;
        }

        if (fenced)
        {
            return false;
        }

        // The zombie's upload lands under the newest id: a restore cannot tell it from the real one.
        if (_snapshots.Count == 0)
        {
            _snapshots.Add(new Snapshot(++_sequence, image, false));
            NewestWritten = _sequence;
        }
        else
        {
            _snapshots[^1] = _snapshots[^1] with { Image = image };
        }

        return true;
    }

    /// <summary>
    /// A restore to a savepoint (<c>kgrains savepoint restore</c>): the pinned image becomes the newest committed
    /// snapshot; the snapshots taken after it are let go (they leave <c>retained</c>).
    /// </summary>
    public void ResetTo(StoreImage image)
    {
        _snapshots.Clear();
        _snapshots.Add(new Snapshot(++_sequence, image, false));
        NewestWritten = _sequence;
    }

    public void LoseNewest()
    {
        if (_snapshots.Count > 0)
        {
            _snapshots.RemoveAt(_snapshots.Count - 1);
        }
    }

    public void CorruptNewest()
    {
        if (_snapshots.Count > 0)
        {
            _snapshots[^1] = _snapshots[^1] with { Corrupt = true };
        }
    }

    /// <summary>What a restore comes back to: the newest readable snapshot, or nothing.</summary>
    public StoreImage? RestoreTarget(out bool knownFallback)
    {
        for (var i = _snapshots.Count - 1; i >= 0; i--)
        {
            if (!_snapshots[i].Corrupt)
            {
                knownFallback = _snapshots[i].Sequence < NewestWritten;
                return _snapshots[i].Image;
            }
        }

        knownFallback = NewestWritten > 0;
        return null;
    }

    private sealed record Snapshot(long Sequence, StoreImage Image, bool Corrupt);
}
