using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.KeyedState.Partitions;

/// <summary>
/// A keyed-state partition whose logic also emits rows of <typeparamref name="TOutput"/> (<see cref="Emit"/>) for the
/// sinks configured with <c>Output = Emitted</c>. A row is staged with the state of the event that emitted it and
/// committed once a barrier made both durable, so a crash or a replay never loses or repeats it.
/// </summary>
/// <typeparam name="TEvent">The stream's event type.</typeparam>
/// <typeparam name="TState">The state kept per key.</typeparam>
/// <typeparam name="TOutput">The row type: public properties of string, long, int, double, bool, DateTimeOffset or Dictionary&lt;string, one of those&gt; (<see cref="RowSchema.For"/>).</typeparam>
public abstract class KeyedStatePartitionGrain<TEvent, TState, TOutput> : KeyedStatePartitionGrain<TEvent, TState>
    where TState : class, new()
{
    private static readonly RowSchema s_schema = RowSchema.For(typeof(TOutput));

    private protected override RowSchema? EmittedSchema => s_schema;

    /// <summary>Emits a row for the event being applied; call it from <c>Apply</c>.</summary>
    protected void Emit(TOutput row) => StageEmitted(row);

    /// <summary>Whether <see cref="Emit"/> keeps a row now (a sink takes emitted rows): a row that costs work to build need not be built when not.</summary>
    protected bool EmitsRows => StagesEmittedRows;
}
