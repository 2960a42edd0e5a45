using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.KeyedState.Timers;

/// <summary>
/// A partition's timers: the store holds them in (clock, time, purpose, key) order; registrations and deletions since
/// the last write are kept here (the last change of each timer wins, written with the state in the same atomic batch,
/// <see cref="Put"/>) and the due ones are merged with the store's, so a timer registered and fired between two writes
/// never reaches the store. Per clock, a lower bound of the earliest timer lets a batch that makes nothing due skip the scan.
/// </summary>
internal sealed class PartitionTimers
{
    /// <summary>A timer of the partition's logic.</summary>
    public const byte LogicPurpose = 0;

    /// <summary>A key's time-to-live check.</summary>
    public const byte TimeToLivePurpose = 1;

    // Each changed timer's last change (true: registered, false: deleted), and in order the changes that led there (with
    // what came before), so the changes of an event that failed can be taken back.
    private readonly Dictionary<TimerId, bool> _changes = [];
    private readonly List<(TimerId Id, bool? Before)> _log = [];
    private readonly List<TimerId> _dueUnwritten = [];
    private readonly long?[] _earliest = new long?[2];

    // Per clock, a time below which the store holds no timer (every one up to it fired): scans start there instead of
    // at the clock's first key, past the tombstones of fired timers RocksDB has not compacted away yet.
    private readonly long[] _floor = [long.MinValue, long.MinValue];

    /// <summary>Changes since the last write (a mark for <see cref="TruncateTo"/>; 0 when there is nothing to write).</summary>
    public int PendingCount => _log.Count;

    /// <summary>Timers the next write puts or deletes.</summary>
    public int ChangedCount => _changes.Count;

    /// <summary>Finds the earliest stored timer of each clock (at activation, after a discard); forgets the changes.</summary>
    public void Load(IKeyValueStore store)
    {
        _changes.Clear();
        _log.Clear();
        _floor[0] = _floor[1] = long.MinValue;
        Refresh(store, TimeDomain.EventTime);
        Refresh(store, TimeDomain.ProcessingTime);
    }

    public void Register(TimeDomain domain, long time, byte purpose, string key)
    {
        Change(new TimerId(domain, time, purpose, key), registered: true);
        ref var earliest = ref _earliest[(int)domain];
        if (earliest is not { } e || time < e)
        {
            earliest = time;
        }
    }

    public void Delete(TimeDomain domain, long time, byte purpose, string key) =>
        Change(new TimerId(domain, time, purpose, key), registered: false);

    /// <summary>Removes a timer that fired: from the store when it is there, else only its unwritten registration goes.</summary>
    public void Fired(TimeDomain domain, in DueTimer timer)
    {
        var id = new TimerId(domain, timer.Time, timer.Purpose, timer.Key);
        if (timer.Stored)
        {
            Change(id, registered: false);
        }
        else if (_changes.Remove(id))
        {
            _log.Add((id, true));
        }
    }

    /// <summary>Takes back the changes made since <paramref name="count"/> (an event that failed).</summary>
    public void TruncateTo(int count)
    {
        for (var i = _log.Count - 1; i >= count; i--)
        {
            var (id, before) = _log[i];
            if (before is { } registered)
            {
                _changes[id] = registered;
            }
            else
            {
                _changes.Remove(id);
            }
        }

        _log.RemoveRange(count, _log.Count - count);
    }

    /// <summary>True when a timer of <paramref name="domain"/> may be due at <paramref name="now"/> (a false true costs one scan).</summary>
    public bool MayBeDue(TimeDomain domain, long now) => _earliest[(int)domain] is { } earliest && earliest <= now;

    /// <summary>Adds the changes to <paramref name="batch"/> (each timer's last) and forgets them.</summary>
    public void Put(IKeyValueBatch batch)
    {
        // As WriteDirty's state keys: on the stack, a rare key too long for it allocated.
        Span<byte> buffer = stackalloc byte[512];
        foreach (var (id, registered) in _changes)
        {
            ReadOnlySpan<byte> storeKey = StateKeys.MaxTimerLength(id.Key) <= buffer.Length
                ? buffer[..StateKeys.WriteTimer((byte)id.Domain, id.Time, id.Purpose, id.Key, buffer)]
                : StateKeys.Timer((byte)id.Domain, id.Time, id.Purpose, id.Key);
            if (registered)
            {
                batch.Put(storeKey, []);
            }
            else
            {
                batch.Delete(storeKey);
            }
        }

        _changes.Clear();
        _log.Clear();
    }

    /// <summary>
    /// Up to <paramref name="max"/> timers of <paramref name="domain"/> due at <paramref name="now"/>, in (time, purpose,
    /// key) order: the stored ones not deleted since the last write, and those registered since. When fewer come back,
    /// the earliest is known again.
    /// </summary>
    public void CollectDue(IKeyValueStore store, TimeDomain domain, long now, int max, List<DueTimer> into)
    {
        into.Clear();
        _dueUnwritten.Clear();
        foreach (var (id, registered) in _changes)
        {
            if (registered && id.Domain == domain && id.Time <= now)
            {
                _dueUnwritten.Add(id);
            }
        }

        _dueUnwritten.Sort(TimerOrderComparison);
        var next = 0;
        var from = Math.Min(_floor[(int)domain], _earliest[(int)domain] ?? long.MaxValue);
        var (lower, upper) = StateKeys.TimersDue((byte)domain, from, now);
        store.Scan(lower, upper, (key, _) =>
        {
            var (time, purpose, timerKey) = StateKeys.ReadTimer(key);
            var stored = new TimerId(domain, time, purpose, timerKey);
            if (_changes.TryGetValue(stored, out var registered) && !registered)
            {
                // Deleted since the last write.
                return true;
            }

            while (next < _dueUnwritten.Count && into.Count < max && TimerOrder(_dueUnwritten[next], stored) < 0)
            {
                into.Add(Due(_dueUnwritten[next++], stored: false));
            }

            if (next < _dueUnwritten.Count && TimerOrder(_dueUnwritten[next], stored) == 0)
            {
                // Registered again since the last write: it is the stored one.
                next++;
            }

            if (into.Count < max)
            {
                into.Add(Due(stored, stored: true));
            }

            return into.Count < max;
        });

        while (next < _dueUnwritten.Count && into.Count < max)
        {
            into.Add(Due(_dueUnwritten[next++], stored: false));
        }

        if (into.Count < max)
        {
            // Every timer up to now is in hand: none stays below now once they fire.
            _floor[(int)domain] = Math.Max(_floor[(int)domain], now == long.MaxValue ? now : now + 1);
            Refresh(store, domain);
        }
    }

    private void Refresh(IKeyValueStore store, TimeDomain domain)
    {
        long? earliest = null;
        var (lower, upper) = StateKeys.TimersDue((byte)domain, _floor[(int)domain], long.MaxValue);
        store.Scan(lower, upper, (key, _) =>
        {
            earliest = StateKeys.ReadTimer(key).Time;
            return false;
        });

        // Registered but not written yet: still to come.
        foreach (var (id, registered) in _changes)
        {
            if (registered && id.Domain == domain && (earliest is not { } e || id.Time < e))
            {
                earliest = id.Time;
            }
        }

        _earliest[(int)domain] = earliest;
    }

    private void Change(TimerId id, bool registered)
    {
        _log.Add((id, _changes.TryGetValue(id, out var before) ? before : null));
        _changes[id] = registered;
    }

    /// <summary>The store's order: time, purpose, then the key's UTF-8 bytes (code point order).</summary>
    private static int TimerOrder(TimerId left, TimerId right)
    {
        var order = left.Time.CompareTo(right.Time);
        if (order == 0)
        {
            order = left.Purpose.CompareTo(right.Purpose);
        }

        return order != 0 ? order : CodePointOrder(left.Key, right.Key);
    }

    private static readonly Comparison<TimerId> TimerOrderComparison = TimerOrder;

    /// <summary>Orders strings as their UTF-8 bytes do (ordinal UTF-16 puts U+E000–U+FFFF after the surrogate pairs).</summary>
    internal static int CodePointOrder(string left, string right)
    {
        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            if (left[i] != right[i])
            {
                return Weight(left[i]) - Weight(right[i]);
            }
        }

        return left.Length - right.Length;

        static int Weight(char c) => c < 0xD800 ? c : c >= 0xE000 ? c - 0x800 : c + 0x2000;
    }

    private static DueTimer Due(TimerId id, bool stored) => new(id.Time, id.Purpose, id.Key, stored);

    private readonly record struct TimerId(TimeDomain Domain, long Time, byte Purpose, string Key);
}
