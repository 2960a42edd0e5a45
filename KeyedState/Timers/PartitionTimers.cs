using KinesisGrains.KeyedState.Storage;

namespace KinesisGrains.KeyedState.Timers;

/// <summary>
/// A partition's timers: registrations and deletions since the last write (written with the state in the same atomic
/// batch, <see cref="Put"/>), and, per clock, a lower bound of the earliest timer so a batch that makes nothing due
/// costs no scan. The store holds the timers themselves, in (clock, time, purpose, key) order.
/// </summary>
internal sealed class PartitionTimers
{
    /// <summary>A timer of the partition's logic.</summary>
    public const byte LogicPurpose = 0;

    /// <summary>A key's time-to-live check.</summary>
    public const byte TimeToLivePurpose = 1;

    private readonly List<(bool Register, byte[] StoreKey)> _pending = [];
    private readonly long?[] _earliest = new long?[2];

    // Per clock, a time below which the store holds no timer (every one up to it fired): scans start there instead of
    // at the clock's first key, past the tombstones of fired timers RocksDB has not compacted away yet.
    private readonly long[] _floor = [long.MinValue, long.MinValue];

    /// <summary>Registrations and deletions not written yet.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Finds the earliest stored timer of each clock (at activation, after a discard).</summary>
    public void Load(IKeyValueStore store)
    {
        _pending.Clear();
        _floor[0] = _floor[1] = long.MinValue;
        Refresh(store, TimeDomain.EventTime);
        Refresh(store, TimeDomain.ProcessingTime);
    }

    public void Register(TimeDomain domain, long time, byte purpose, string key)
    {
        _pending.Add((true, StateKeys.Timer((byte)domain, time, purpose, key)));
        ref var earliest = ref _earliest[(int)domain];
        if (earliest is not { } e || time < e)
        {
            earliest = time;
        }
    }

    public void Delete(TimeDomain domain, long time, byte purpose, string key) =>
        _pending.Add((false, StateKeys.Timer((byte)domain, time, purpose, key)));

    /// <summary>Forgets what was registered or deleted since <paramref name="count"/> (an event that failed).</summary>
    public void TruncateTo(int count) => _pending.RemoveRange(count, _pending.Count - count);

    /// <summary>True when a timer of <paramref name="domain"/> may be due at <paramref name="now"/> (a false true costs one scan).</summary>
    public bool MayBeDue(TimeDomain domain, long now) => _earliest[(int)domain] is { } earliest && earliest <= now;

    /// <summary>Adds the pending registrations and deletions to <paramref name="batch"/>, in order.</summary>
    public void Put(IKeyValueBatch batch)
    {
        foreach (var (register, storeKey) in _pending)
        {
            if (register)
            {
                batch.Put(storeKey, []);
            }
            else
            {
                batch.Delete(storeKey);
            }
        }

        _pending.Clear();
    }

    /// <summary>
    /// Up to <paramref name="max"/> stored timers of <paramref name="domain"/> due at <paramref name="now"/>, in (time,
    /// purpose, key) order; call it with nothing pending. When fewer come back, the earliest is known again.
    /// </summary>
    public void CollectDue(IKeyValueStore store, TimeDomain domain, long now, int max, List<(long Time, byte Purpose, string Key)> into)
    {
        into.Clear();
        var from = Math.Min(_floor[(int)domain], _earliest[(int)domain] ?? long.MaxValue);
        var (lower, upper) = StateKeys.TimersDue((byte)domain, from, now);
        store.Scan(lower, upper, (key, _) =>
        {
            into.Add(StateKeys.ReadTimer(key));
            return into.Count < max;
        });

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
        foreach (var (register, storeKey) in _pending)
        {
            if (register && storeKey[1] == (byte)domain && StateKeys.ReadTimer(storeKey).Time is var time && (earliest is not { } e || time < e))
            {
                earliest = time;
            }
        }

        _earliest[(int)domain] = earliest;
    }
}
