using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace KinesisGrains.Sinks.Diagnostics;

/// <summary>
/// The assembly's one meter, <c>KinesisGrains.Sinks</c>: what sinks wrote, retried and skipped. Every instrument is
/// tagged <c>sink</c> (the sink's name) and <c>sink.type</c> (<c>DynamoDB</c>, <c>Kinesis</c>, ...).
/// </summary>
internal static class SinkMetrics
{
    public const string MeterName = "KinesisGrains.Sinks";

    private static readonly Meter s_meter = new(MeterName);

    public static readonly Counter<long> RowsWritten =
        s_meter.CreateCounter<long>("kgrains.sink.rows_written", "{row}", "Rows a sink wrote (DynamoDB items put or deleted, Kinesis records accepted)");

    public static readonly Counter<long> Batches =
        s_meter.CreateCounter<long>("kgrains.sink.batches", "{epoch}", "Epoch batches a sink committed");

    public static readonly Counter<long> EpochsSkipped =
        s_meter.CreateCounter<long>("kgrains.sink.epochs_skipped", "{epoch}", "Epoch batches handed over again and skipped as already committed");

    public static readonly Counter<long> Calls =
        s_meter.CreateCounter<long>("kgrains.sink.calls", "{call}", "Write calls a sink made (BatchWriteItem, PutRecords), retries included");

    public static readonly Counter<long> Retries =
        s_meter.CreateCounter<long>("kgrains.sink.retries", "{item}", "Items sent again: DynamoDB unprocessed items, Kinesis failed records, calls refused whole");

    public static readonly Counter<long> Throttles =
        s_meter.CreateCounter<long>("kgrains.sink.throttles", "{response}", "Throttling answers (a throttled call, or a Kinesis record refused with ProvisionedThroughputExceededException)");

    public static readonly Histogram<double> CommitDuration =
        s_meter.CreateHistogram<double>("kgrains.sink.commit_duration", "ms", "Time to commit one epoch batch, retries included");

    /// <summary>The tags of one sink.</summary>
    public static TagList Tags(string sinkName, string sinkType) => new() { { "sink", sinkName }, { "sink.type", sinkType } };
}
