namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// The observed metrics of one receiver's reads, accumulated as its decoder turns records into events (one thread at
/// a time) and drained into the silo's totals after each read.
/// </summary>
internal abstract class ObservedMetricsAccumulator
{
    /// <summary>A record the message handler rejected.</summary>
    public abstract void DeadLetter();

    /// <summary>Adds what was observed since the last drain to <paramref name="totals"/> and starts again from nothing.</summary>
    public abstract void DrainInto(ObservedMetricTotals totals);
}

/// <summary>The <see cref="ObservedMetricsAccumulator"/> of one event type.</summary>
internal sealed class ObservedMetricsAccumulator<TEvent>(IReadOnlyList<ObservedMetric<TEvent>> metrics) : ObservedMetricsAccumulator
{
    private readonly ObservedMetric<TEvent>[] _metrics = [.. metrics];
    private readonly double[] _values = new double[metrics.Count];
    private readonly bool[] _seen = new bool[metrics.Count];

    public void Observe(TEvent item)
    {
        for (var i = 0; i < _metrics.Length; i++)
        {
            var aggregate = _metrics[i].Aggregate;
            if (aggregate.CountsDeadLetters || aggregate.Where is { } where && !where(item))
            {
                continue;
            }

            if (aggregate.Kind == ObservedAggregateKind.Count)
            {
                _values[i]++;
                continue;
            }

            var value = aggregate.Selector!(item);
            _values[i] = !_seen[i] ? value : aggregate.Kind switch
            {
                ObservedAggregateKind.Min => Math.Min(_values[i], value),
                ObservedAggregateKind.Max => Math.Max(_values[i], value),
                _ => _values[i] + value,
            };
            _seen[i] = true;
        }
    }

    public override void DeadLetter()
    {
        for (var i = 0; i < _metrics.Length; i++)
        {
            if (_metrics[i].Aggregate.CountsDeadLetters)
            {
                _values[i]++;
            }
        }
    }

    public override void DrainInto(ObservedMetricTotals totals)
    {
        for (var i = 0; i < _metrics.Length; i++)
        {
            var kind = _metrics[i].Aggregate.Kind;
            if (kind is ObservedAggregateKind.Count or ObservedAggregateKind.Sum || _seen[i])
            {
                totals.Add(_metrics[i].Name, kind, _values[i]);
            }

            _values[i] = 0;
            _seen[i] = false;
        }
    }
}
