using KinesisGrains.Client;
using KinesisGrains.Grains.UserActivity;
using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>A fetch buffer far smaller than the backlog: pages go to disk and come back in order, memory stays in budget.</summary>
public sealed class FetchBufferSpillTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    private const long FetchBufferSize = 1024 * 1024; // the smallest the options allow

    [Fact]
    public async Task Slow_processing_spills_fetched_pages_to_disk_and_reads_them_back_without_loss_or_reordering()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 4);
        // One PutRecords at a time: concurrent batches could store two events of a key in the other order.
        var truth = await cluster.ProduceAsync(stream, records: 20_000, keys: 200, concurrency: 1);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Kinesis:FetchBufferSize", FetchBufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Kinesis:MaxRecordsPerFetch", "500"),
            ("Kinesis:MinFetchPeriod", "00:00:00.200"),
            ("Kinesis:ShardsPerTask", "1"),
            ("Grains:PartitionCount", "4"));

        // Processing waits at the first event until pages were spilled: on a busy machine a millisecond per event
        // alone does not always leave the fetchers ahead.
        SlowOrderCheckPartitionGrain.HoldNextEvent();
        await using var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<ClickEvent, SlowOrderCheckPartitionGrain>(ISlowOrderCheckPartition.StreamNamespace), settings);
        var buffer = silo.Source.Buffer;
        using var sampling = new CancellationTokenSource();
        var peakMemory = SamplePeakAsync(() => buffer.MemoryBytes, sampling.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (buffer.PagesSpilled == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        SlowOrderCheckPartitionGrain.Release();
        Assert.True(buffer.PagesSpilled > 0, "with processing held, the fetchers must fill the buffer and spill");
        await LocalCluster.WaitForCaughtUpAsync(silo, truth.Events, TimeSpan.FromSeconds(120));
        await sampling.CancelAsync();

        Assert.True(await peakMemory <= FetchBufferSize, $"memory peaked at {await peakMemory} bytes, over the {FetchBufferSize} byte budget");
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Empty(Directory.EnumerateFiles(buffer.SpillDirectory, "*.spill"));

        await using var client = await LocalCluster.ConnectAsync(silo);
        var problems = new List<string>();
        foreach (var user in truth.Users.Values)
        {
            var state = await OrderChecks.GetAsync<ISlowOrderCheckPartition>(client.Client, user.UserId, partitionCount: 4) ?? new OrderCheckState();
            if (state.Events != user.EventCount || state.OutOfOrder != 0 || state.SequenceOutOfOrder != 0)
            {
                problems.Add($"{user.UserId}: {state.Events}/{user.EventCount} events, {state.OutOfOrder} out of time order, {state.SequenceOutOfOrder} out of sequence order");
            }
        }

        Assert.Empty(problems);
    }

    private static async Task<long> SamplePeakAsync(Func<long> read, CancellationToken cancellationToken)
    {
        var peak = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            peak = Math.Max(peak, read());
            try
            {
                await Task.Delay(5, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return peak;
    }
}
