namespace KinesisGrains.Abstractions.Views;

/// <summary>Which partition of a <see cref="KeyedView"/> an event goes to.</summary>
public enum KeyedViewRouting
{
    /// <summary>
    /// The partition of the event's view key: one partition holds each key's whole state, so a key's events are applied
    /// one grain turn at a time. Right for many keys (pages, countries with even traffic).
    /// </summary>
    ByKey,

    /// <summary>
    /// The partition of the event's primary key (the message handler's): a view key's state is split into a part per
    /// partition, each pre-aggregated in parallel by the partition its events' primary keys are in, and a query merges
    /// the parts (<c>GetMergedAsync</c>). For hot keys (one global count, a handful of types): throughput grows with P
    /// instead of stopping at one grain turn, at the price of P calls per query and a merge that must be associative.
    /// </summary>
    Spread,
}
