namespace KinesisGrains.Testing.Faults;

/// <summary>
/// Per-operation counters and a bounded log of requests. Not thread-safe: <see cref="FaultInjectingProxy"/>
/// uses it under its lock.
/// </summary>
internal sealed class ProxyTraffic(int logCapacity)
{
    private readonly Dictionary<string, Counters> _counters = new(StringComparer.Ordinal);

    // Bounded so that a long soak test through the proxy does not grow without limit; the oldest entries go first.
    private readonly Queue<ProxyLogEntry> _log = new();

    public void Seen(string operation) => For(operation).Seen++;

    public void Faulted(string operation) => For(operation).Faulted++;

    public void Forwarded(string operation) => For(operation).Forwarded++;

    public void Record(ProxyLogEntry entry)
    {
        if (_log.Count == logCapacity)
        {
            _log.Dequeue();
        }

        _log.Enqueue(entry);
    }

    public int SeenCount(string operation) => Sum(operation, counters => counters.Seen);

    public int FaultedCount(string operation) => Sum(operation, counters => counters.Faulted);

    public int ForwardedCount(string operation) => Sum(operation, counters => counters.Forwarded);

    public ProxyLogEntry[] Log() => [.. _log];

    private Counters For(string operation)
    {
        if (!_counters.TryGetValue(operation, out var counters))
        {
            counters = new Counters();
            _counters.Add(operation, counters);
        }

        return counters;
    }

    private int Sum(string operation, Func<Counters, int> select) =>
        operation == FaultInjectingProxy.AnyOperation
            ? _counters.Values.Sum(select)
            : _counters.TryGetValue(operation, out var counters) ? select(counters) : 0;

    private sealed class Counters
    {
        public int Seen { get; set; }

        public int Faulted { get; set; }

        public int Forwarded { get; set; }
    }
}
