namespace KinesisGrains.Abstractions.Sinks;

/// <summary>
/// The rows one partition staged in one epoch for one output, handed to a sink once the epoch's barrier made them
/// durable. The same batch may be handed over again (a crash before the partition recorded it as committed): a sink
/// commits (<see cref="StateName"/>, <see cref="Partition"/>, <see cref="Epoch"/>) at most once.
/// </summary>
/// <param name="StateName">The keyed state the rows come from (its <c>StateName</c>).</param>
/// <param name="Partition">The partition p.</param>
/// <param name="Epoch">The partition's barrier epoch the rows were staged for (the newest of them, when a
/// <see cref="IRowSink.CommitInterval"/> gathers several epochs into one batch); epochs of a partition are handed over
/// in increasing order, each batch starting after the sink's last committed epoch.</param>
/// <param name="Output">Emitted rows or changelog rows.</param>
/// <param name="Schema">The rows' columns.</param>
/// <param name="Rows">Emitted rows in emit order; changelog rows one per key.</param>
public sealed record SinkEpochBatch(string StateName, int Partition, long Epoch, SinkOutputKind Output, RowSchema Schema, IReadOnlyList<SinkRow> Rows);
