namespace KinesisGrains.Abstractions.Sinks;

/// <summary>Checks shared by the sink implementations.</summary>
public static class RowSinkExtensions
{
    /// <summary>Refuses a batch of another state or output than <paramref name="sink"/> takes (a wiring mistake, never data).</summary>
    /// <exception cref="ArgumentException">The batch is not the sink's.</exception>
    public static void ThrowIfNotFor(this SinkEpochBatch batch, IRowSink sink)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!string.Equals(batch.StateName, sink.StateName, StringComparison.Ordinal) || batch.Output != sink.Output)
        {
            throw new ArgumentException($"Sink '{sink.Name}' takes the {sink.Output} rows of '{sink.StateName}', not the {batch.Output} rows of '{batch.StateName}'.", nameof(batch));
        }
    }
}
