using System.Globalization;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// The C loop's work in the shape the Orleans path takes it: <see cref="Keys"/> distinct keys, and event i a +1 on key
/// <see cref="KeyOfEvent"/>[i], drawn from the same splitmix64 sequence merge_loop.c draws (seed 42, n = state mod K).
/// Key n is the 16 hex digits of mix(n): mix is a bijection, so keys are distinct and spread like the C loop's.
/// </summary>
internal sealed class CounterWorkload
{
    private CounterWorkload(string[] keys, int[] keyOfEvent)
    {
        Keys = keys;
        KeyOfEvent = keyOfEvent;
    }

    public string[] Keys { get; }

    public int[] KeyOfEvent { get; }

    public long Events => KeyOfEvent.LongLength;

    public static CounterWorkload Create(int keys, int events)
    {
        var names = new string[keys];
        for (var n = 0; n < keys; n++)
        {
            names[n] = Mix((ulong)n).ToString("x16", CultureInfo.InvariantCulture);
        }

        var keyOfEvent = new int[events];
        var state = 42UL;
        for (var i = 0; i < events; i++)
        {
            state = Mix(state);
            keyOfEvent[i] = (int)(state % (ulong)keys);
        }

        return new CounterWorkload(names, keyOfEvent);
    }

    public string KeyOf(long index) => Keys[KeyOfEvent[index]];

    /// <summary>How many events hit key <paramref name="key"/>: what its counter must hold after a run.</summary>
    public long CountOf(int key) => KeyOfEvent.Count(k => k == key);

    /// <summary>splitmix64, as merge_loop.c's mix().</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9e3779b97f4a7c15UL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }
}
