using System.Diagnostics.Metrics;
using KinesisGrains.Streaming.Kinesis.Diagnostics;
using KinesisGrains.Streaming.Kinesis.Kpl;

namespace KinesisGrains.Tests.Kpl;

/// <summary>
/// Listens to the KPL counters, keeping only measurements made on the creating thread: Deaggregate is synchronous,
/// so tests running in parallel cannot disturb each other's counts.
/// </summary>
internal sealed class KplMetricsCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private readonly List<(string Instrument, long Value, string? Reason)> _measurements = [];

    public KplMetricsCapture()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StreamingKinesisMetrics.MeterName && instrument.Name.StartsWith("kgrains.kpl.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (Environment.CurrentManagedThreadId != _threadId)
            {
                return;
            }

            string? reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    reason = tag.Value as string;
                }
            }

            _measurements.Add((instrument.Name, value, reason));
        });
        _listener.Start();
    }

    public long Sum(string instrument) => _measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

    public IReadOnlyList<string?> Reasons(string instrument) => [.. _measurements.Where(m => m.Instrument == instrument).Select(m => m.Reason)];

    public void Dispose() => _listener.Dispose();
}
