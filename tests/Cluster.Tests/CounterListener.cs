using System.Diagnostics.Metrics;
using KinesisGrains.KeyedState.Diagnostics;

namespace KinesisGrains.Tests;

/// <summary>Sums a counter of the runtime's meter in this process.</summary>
internal sealed class CounterListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public CounterListener(string name)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KeyedStateMetrics.MeterName && instrument.Name == name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
