using System.Diagnostics.Metrics;

namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>The instruments of one <see cref="FetchBuffer"/>, on its own <see cref="Meter"/> so disposing the buffer unregisters its gauges.</summary>
internal sealed class FetchBufferMetrics : IDisposable
{
    public FetchBufferMetrics(FetchBuffer buffer)
    {
        Meter = new Meter(FetchBuffer.MeterName);
        Meter.CreateObservableGauge("kgrains.fetch_buffer.memory_bytes", () => buffer.MemoryBytes, "By", "Fetched pages held in memory, across all shards");
        Meter.CreateObservableGauge("kgrains.fetch_buffer.spilled_bytes", () => buffer.SpilledBytes, "By", "Spill file bytes on local disk, across all shards");
        PagesSpilled = Meter.CreateCounter<long>("kgrains.fetch_buffer.pages_spilled", "{page}", "Fetched pages written to local disk because the in-memory budget was used up");
    }

    public Meter Meter { get; }

    public Counter<long> PagesSpilled { get; }

    public void Dispose() => Meter.Dispose();
}
