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

        await using var silo = await SiloHost.StartAsync([], s => s.ConsumeStream<ClickEvent, SlowOrderCheckGrain>(), settings);
        using var sampling = new CancellationTokenSource();
        var peakMemory = SamplePeakAsync(() => silo.Source.Buffer.MemoryBytes, sampling.Token);
        await LocalCluster.WaitForCaughtUpAsync(silo, truth.Events, TimeSpan.FromSeconds(120));
        await sampling.CancelAsync();

        var buffer = silo.Source.Buffer;
        Assert.True(buffer.PagesSpilled > 0, "processing one event per millisecond per partition must leave the fetchers far ahead");
        Assert.True(await peakMemory <= FetchBufferSize, $"memory peaked at {await peakMemory} bytes, over the {FetchBufferSize} byte budget");
        Assert.Equal(0, buffer.SpilledBytes);
        Assert.Empty(Directory.EnumerateFiles(buffer.SpillDirectory, "*.spill"));

        using var client = new GrainClient(silo.HttpEndpoint);
        var problems = new List<string>();
        foreach (var user in truth.Users.Values)
        {
            var state = await client.GetGrain<IOrderCheck>(user.UserId).GetAsync();
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
