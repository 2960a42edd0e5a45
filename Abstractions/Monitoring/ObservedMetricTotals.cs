namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// The observed metrics of a batch over every shard of a silo: counts and sums add up, minimums and maximums keep
/// the extreme. Not thread-safe: its owner locks.
/// </summary>
internal sealed class ObservedMetricTotals(IEnumerable<ObservedMetricInfo> metrics)
{
    private readonly ObservedMetricInfo[] _metrics = [.. metrics.DistinctBy(m => m.Name, StringComparer.Ordinal)];
    private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);

    public void Add(string name, ObservedAggregateKind kind, double value)
    {
        if (!_values.TryGetValue(name, out var current))
        {
            _values[name] = value;
            return;
        }

        _values[name] = kind switch
        {
            ObservedAggregateKind.Min => Math.Min(current, value),
            ObservedAggregateKind.Max => Math.Max(current, value),
            _ => current + value,
        };
    }

    /// <summary>Every metric's value for the batch (0 for a count or sum of nothing, null for a min or max of nothing); then empty again.</summary>
    public IReadOnlyDictionary<string, double?> Take()
    {
        var result = new SortedDictionary<string, double?>(StringComparer.Ordinal);
        foreach (var metric in _metrics)
        {
            result[metric.Name] = _values.TryGetValue(metric.Name, out var value)
                ? value
                : metric.Kind is ObservedAggregateKind.Count or ObservedAggregateKind.Sum ? 0 : null;
        }

        _values.Clear();
        return result;
    }
}
