using System.Diagnostics.Metrics;
using KinesisGrains.Streaming.Kinesis.Source.Buffering;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Buffering;

public sealed class FetchBufferMetricsTests
{
    [Fact]
    public async Task Gauges_and_the_spill_counter_report_the_buffer()
    {
        using var directory = new TempDirectory("kgrains-buffer");
        using var buffer = new FetchBuffer(new FetchBufferOptions { SoftLimitBytes = Pages.SizedCharge(100), SpillDirectory = directory.Path });
        var values = new Dictionary<string, long>();
        var instruments = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Other tests run buffers in parallel: listen to this one only.
            if (instrument.Meter == buffer.Meter)
            {
                Assert.Equal(FetchBuffer.MeterName, instrument.Meter.Name);
                instruments.Add(instrument.Name);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (values)
            {
                values[instrument.Name] = instrument is Counter<long> ? values.GetValueOrDefault(instrument.Name) + value : value;
            }
        });
        listener.Start();

        var queue = buffer.GetQueue("s");
        for (var i = 0; i < 4; i++)
        {
            await queue.EnqueueAsync(Pages.Sized("s", i, 100));
        }

        listener.RecordObservableInstruments();

        Assert.Equal(["kgrains.fetch_buffer.memory_bytes", "kgrains.fetch_buffer.spilled_bytes", "kgrains.fetch_buffer.pages_spilled"], instruments);
        Assert.Equal(Pages.SizedCharge(100), values["kgrains.fetch_buffer.memory_bytes"]);
        Assert.Equal(buffer.SpilledBytes, values["kgrains.fetch_buffer.spilled_bytes"]);
        Assert.True(buffer.SpilledBytes > 300);
        Assert.Equal(3, values["kgrains.fetch_buffer.pages_spilled"]);
        Assert.Equal(3, buffer.PagesSpilled);
    }
}
