using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using KinesisGrains.Sinks.Diagnostics;

namespace KinesisGrains.Tests.Support;

/// <summary>Sums what the sinks' meter records for one sink name (tests run in parallel: each uses its own name).</summary>
internal sealed class SinkMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, double> _totals = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public SinkMeasurements(string sinkName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SinkMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags, sinkName));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags, sinkName));
        _listener.Start();
    }

    /// <summary>The sum of a counter's measurements (e.g. <c>kgrains.sink.retries</c>).</summary>
    public long Total(string instrument) => (long)_totals.GetValueOrDefault(instrument);

    /// <summary>How many measurements an instrument recorded (a histogram's count).</summary>
    public int Count(string instrument) => _counts.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, string sinkName)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "sink" && Equals(tag.Value, sinkName))
            {
                _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
                _counts.AddOrUpdate(instrument.Name, 1, (_, count) => count + 1);
                return;
            }
        }
    }
}
