namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>How an observed metric combines values: within a batch, and across the shards of a silo.</summary>
public enum ObservedAggregateKind
{
    /// <summary>The number of events (or dead-lettered records).</summary>
    Count,
    /// <summary>The total of a selected value.</summary>
    Sum,
    /// <summary>The smallest selected value.</summary>
    Min,
    /// <summary>The largest selected value.</summary>
    Max,
}

/// <summary>
/// One aggregate over the events of a batch, made by <see cref="ObservedAggregates{TEvent}"/>: a count (of every
/// event, of those a predicate picks, or of dead-lettered records), or a sum, min or max of a selector.
/// </summary>
public sealed class ObservedAggregate<TEvent>
{
    internal ObservedAggregate(ObservedAggregateKind kind, Func<TEvent, bool>? where, Func<TEvent, double>? selector, bool deadLetters)
    {
        Kind = kind;
        Where = where;
        Selector = selector;
        CountsDeadLetters = deadLetters;
    }

    /// <summary>How this aggregate combines the values of a batch and of the shards.</summary>
    public ObservedAggregateKind Kind { get; }

    internal Func<TEvent, bool>? Where { get; }

    internal Func<TEvent, double>? Selector { get; }

    /// <summary>Counts records the message handler rejected instead of events.</summary>
    internal bool CountsDeadLetters { get; }
}

/// <summary>The aggregates an observed metric can be: <c>o =&gt; o.CountWhere(e =&gt; e.IsError)</c>.</summary>
public sealed class ObservedAggregates<TEvent>
{
    internal static readonly ObservedAggregates<TEvent> Instance = new();

    private ObservedAggregates()
    {
    }

    /// <summary>Events in the batch.</summary>
    public ObservedAggregate<TEvent> Count() => new(ObservedAggregateKind.Count, null, null, deadLetters: false);

    /// <summary>Events in the batch for which <paramref name="predicate"/> is true.</summary>
    public ObservedAggregate<TEvent> CountWhere(Func<TEvent, bool> predicate) =>
        new(ObservedAggregateKind.Count, predicate ?? throw new ArgumentNullException(nameof(predicate)), null, deadLetters: false);

    /// <summary>Records of the batch the message handler could not decode (dead-lettered before they became events).</summary>
    public ObservedAggregate<TEvent> DeadLetters() => new(ObservedAggregateKind.Count, null, null, deadLetters: true);

    /// <summary>The sum of <paramref name="selector"/> over a batch's events.</summary>
    public ObservedAggregate<TEvent> Sum(Func<TEvent, double> selector) => new(ObservedAggregateKind.Sum, null, Checked(selector), deadLetters: false);

    /// <summary>The smallest value; null in a batch without events.</summary>
    public ObservedAggregate<TEvent> Min(Func<TEvent, double> selector) => new(ObservedAggregateKind.Min, null, Checked(selector), deadLetters: false);

    /// <summary>The largest value; null in a batch without events.</summary>
    public ObservedAggregate<TEvent> Max(Func<TEvent, double> selector) => new(ObservedAggregateKind.Max, null, Checked(selector), deadLetters: false);

    private static Func<TEvent, double> Checked(Func<TEvent, double> selector) => selector ?? throw new ArgumentNullException(nameof(selector));
}
