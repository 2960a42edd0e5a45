using KinesisGrains.KeyedState.RocksDb;
using KinesisGrains.KeyedState.Storage;
using KinesisGrains.Testing;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class PartitionStoreOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_as_documented()
    {
        var options = new PartitionStoreOptions();

        Assert.Empty(PartitionStoreOptionsValidator.Problems(options));
        Assert.Equal(256L << 20, options.BlockCacheBytes);
        Assert.Equal(16L << 20, options.WriteBufferBytes);
        Assert.Equal(2, options.MaxWriteBufferNumber);
        Assert.Equal(10, options.BloomBitsPerKey);
        Assert.Equal(RocksDbCompression.Lz4, options.Compression);
    }

    [Fact]
    public void Bad_values_are_each_named()
    {
        var options = new PartitionStoreOptions { BlockCacheBytes = 1000, WriteBufferBytes = 1000, MaxWriteBufferNumber = 1 };

        var errors = PartitionStoreOptionsValidator.Problems(options).ToList();

        // RocksDB's rules in one sentence, which the silo prints under State.
        Assert.Equal(
            [
                "BlockCacheBytes must be at least 1 MiB; it is 1000.",
                "Invalid RocksDB options: WriteBufferBytes must be between 64 KiB and 64 GiB (was 1000). MaxWriteBufferNumber must be at least 2 (was 1).",
            ],
            errors);
        var error = Assert.Throws<OrleansConfigurationException>(new PartitionStoreOptionsValidator(options).ValidateConfiguration);
        Assert.Equal("Invalid partition store options: " + string.Join(" ", errors), error.Message);
    }

    [Fact]
    public void Every_partition_DB_is_opened_with_the_options()
    {
        using var directory = new TempDirectory("rocksdb-tests");
        var options = new PartitionStoreOptions { WriteBufferBytes = 3L << 20, MaxWriteBufferNumber = 4, Compression = RocksDbCompression.None };

        using (var stores = new PartitionedRocksDbStores(directory.Path, partitionCount: 2, options, disableWal: true))
        {
            _ = stores[0];
            _ = stores[1];
        }

        // RocksDB writes the options it really used to an OPTIONS file in each DB's folder.
        foreach (var partition in new[] { "p-00000", "p-00001" })
        {
            var written = File.ReadAllText(Directory.GetFiles(Path.Combine(directory.Path, partition), "OPTIONS-*").Max()!);
            Assert.Contains("write_buffer_size=3145728", written);
            Assert.Contains("max_write_buffer_number=4", written);
            Assert.Contains("compression=kNoCompression", written);
        }
    }
}
