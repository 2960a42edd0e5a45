namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// A named aggregate over the events of each batch (Spark's <c>observe</c>), registered with
/// <c>siloBuilder.Observe&lt;TEvent&gt;("erc", o =&gt; o.CountWhere(e =&gt; e.IsError))</c>; every progress record
/// carries its value for the batch.
/// </summary>
internal sealed class ObservedMetric<TEvent>
{
    public ObservedMetric(string name, Func<ObservedAggregates<TEvent>, ObservedAggregate<TEvent>> define)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(define);
        Name = name;
        Aggregate = define(ObservedAggregates<TEvent>.Instance) ?? throw new ArgumentException($"Observed metric '{name}' defines no aggregate.", nameof(define));
    }

    public string Name { get; }

    public ObservedAggregate<TEvent> Aggregate { get; }

    public ObservedMetricInfo Info => new(Name, Aggregate.Kind);
}

/// <summary>An observed metric's name and how its values combine, without its event type.</summary>
internal readonly record struct ObservedMetricInfo(string Name, ObservedAggregateKind Kind);
