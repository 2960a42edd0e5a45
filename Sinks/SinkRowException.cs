namespace KinesisGrains.Sinks;

/// <summary>
/// A row a sink cannot write as it is (a value its target cannot hold, a record over the size limit). Sending the
/// epoch again fails the same way: the message names the row, so the state's logic or the sink's options can be fixed.
/// </summary>
internal sealed class SinkRowException(string sinkName, string rowId, string problem)
    : InvalidOperationException($"Sink '{sinkName}' cannot write row {rowId}: {problem}")
{
    public string SinkName { get; } = sinkName;

    /// <summary>The <see cref="Abstractions.Sinks.SinkRow.RowId"/> of the row.</summary>
    public string RowId { get; } = rowId;
}
