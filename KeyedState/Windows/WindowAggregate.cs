namespace KinesisGrains.KeyedState.Windows;

/// <summary>
/// How a window folds its events: an accumulator per window (stored with the key's state as JSON, so keep it small),
/// a merge of two (session windows merge), and the result a window reports.
/// </summary>
public abstract class WindowAggregate<TEvent, TAccumulator, TResult>
{
    /// <summary>A new, empty accumulator for a window that opens.</summary>
    public abstract TAccumulator CreateAccumulator();

    /// <summary>Adds <paramref name="item"/> to <paramref name="accumulator"/> and returns it (or a new one).</summary>
    public abstract TAccumulator Add(TAccumulator accumulator, TEvent item);

    /// <summary>Combines two accumulators, when session windows merge or a spread key's parts meet.</summary>
    public abstract TAccumulator Merge(TAccumulator left, TAccumulator right);

    /// <summary>The result a closed window emits.</summary>
    public abstract TResult GetResult(TAccumulator accumulator);
}

/// <summary>The common aggregates: count, sum, min, max, or one made of functions.</summary>
public static class WindowAggregates
{
    /// <summary>The number of events.</summary>
    public static WindowAggregate<TEvent, long, long> Count<TEvent>() =>
        Create<TEvent, long, long>(() => 0, (count, _) => count + 1, (left, right) => left + right, count => count);

    /// <summary>The sum of <paramref name="value"/> over the events.</summary>
    public static WindowAggregate<TEvent, double, double> Sum<TEvent>(Func<TEvent, double> value) =>
        Create<TEvent, double, double>(() => 0, (sum, item) => sum + value(item), (left, right) => left + right, sum => sum);

    /// <summary>The least <paramref name="value"/> among the events.</summary>
    public static WindowAggregate<TEvent, double?, double?> Min<TEvent>(Func<TEvent, double> value) =>
        Create<TEvent, double?, double?>(() => null, (min, item) => Math.Min(min ?? double.MaxValue, value(item)), (left, right) => left is null ? right : right is null ? left : Math.Min(left.Value, right.Value), min => min);

    /// <summary>The greatest <paramref name="value"/> among the events.</summary>
    public static WindowAggregate<TEvent, double?, double?> Max<TEvent>(Func<TEvent, double> value) =>
        Create<TEvent, double?, double?>(() => null, (max, item) => Math.Max(max ?? double.MinValue, value(item)), (left, right) => left is null ? right : right is null ? left : Math.Max(left.Value, right.Value), max => max);

    /// <summary>An aggregate of the user's functions.</summary>
    public static WindowAggregate<TEvent, TAccumulator, TResult> Create<TEvent, TAccumulator, TResult>(
        Func<TAccumulator> create, Func<TAccumulator, TEvent, TAccumulator> add, Func<TAccumulator, TAccumulator, TAccumulator> merge, Func<TAccumulator, TResult> result) =>
        new FunctionAggregate<TEvent, TAccumulator, TResult>(create, add, merge, result);

    private sealed class FunctionAggregate<TEvent, TAccumulator, TResult>(
        Func<TAccumulator> create, Func<TAccumulator, TEvent, TAccumulator> add, Func<TAccumulator, TAccumulator, TAccumulator> merge, Func<TAccumulator, TResult> result)
        : WindowAggregate<TEvent, TAccumulator, TResult>
    {
        public override TAccumulator CreateAccumulator() => create();

        public override TAccumulator Add(TAccumulator accumulator, TEvent item) => add(accumulator, item);

        public override TAccumulator Merge(TAccumulator left, TAccumulator right) => merge(left, right);

        public override TResult GetResult(TAccumulator accumulator) => result(accumulator);
    }
}
