using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The <c>State</c> section reaches every partition's RocksDB.</summary>
public sealed class StateOptionsTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task The_silo_opens_every_partition_with_the_State_options()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        await cluster.ProduceAsync(stream, records: 50, keys: 10);
        var settings = cluster.SiloSettings(
            "app-" + stream, stream, data.Path,
            ("Grains:PartitionCount", "3"),
            ("State:WriteBufferBytes", "4194304"),
            ("State:MaxWriteBufferNumber", "3"),
            ("State:BlockCacheBytes", "33554432"));

        await using (var silo = await LocalCluster.StartSiloAsync(settings))
        {
            await LocalCluster.WaitForCaughtUpAsync(silo, 50);
        }

        // state/{application}/{stream incarnation}/{state name}/p-NNNNN
        var partitions = Directory.GetDirectories(Path.Combine(data.Path, "state", "app-" + stream), "p-*", SearchOption.AllDirectories);
        Assert.Equal(3, partitions.Length);
        foreach (var partition in partitions)
        {
            // RocksDB writes the options it really used to an OPTIONS file in each DB's folder.
            var written = File.ReadAllText(Directory.GetFiles(partition, "OPTIONS-*").Max()!);
            Assert.Contains("write_buffer_size=4194304", written);
            Assert.Contains("max_write_buffer_number=3", written);
            Assert.Contains("capacity : 33554432", File.ReadAllText(Path.Combine(partition, "LOG")));
        }
    }
}
