using System.Text.RegularExpressions;
using KinesisGrains.KeyedState.RocksDb;
using Orleans.Runtime;
using Xunit;

namespace KinesisGrains.KeyedState.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_as_documented()
    {
        var options = new RocksDbOptions();
        Assert.Empty(RocksDbOptionsValidator.Problems(options));

        Assert.True(options.CreateIfMissing);
        Assert.Equal(64L << 20, options.WriteBufferBytes);
        Assert.Equal(3, options.MaxWriteBufferNumber);
        Assert.Equal(10, options.BloomBitsPerKey);
        Assert.Equal(RocksDbCompression.Lz4, options.Compression);
        Assert.False(options.DisableWal);
        Assert.Equal(2, options.MaxBackgroundJobs);
        Assert.Equal(RocksDbMergeOperator.None, options.MergeOperator);
    }

    public static TheoryData<string, Action<RocksDbOptions>> InvalidSettings => new()
    {
        { nameof(RocksDbOptions.BlockCacheBytes), o => o.BlockCacheBytes = 0 },
        { nameof(RocksDbOptions.BlockSizeBytes), o => o.BlockSizeBytes = -1 },
        { nameof(RocksDbOptions.WriteBufferBytes), o => o.WriteBufferBytes = 1024 },
        { nameof(RocksDbOptions.WriteBufferBytes), o => o.WriteBufferBytes = 65L << 30 },
        { nameof(RocksDbOptions.MaxWriteBufferNumber), o => o.MaxWriteBufferNumber = 1 },
        { nameof(RocksDbOptions.BloomBitsPerKey), o => o.BloomBitsPerKey = -1 },
        { nameof(RocksDbOptions.BloomBitsPerKey), o => o.BloomBitsPerKey = 101 },
        { nameof(RocksDbOptions.Compression), o => o.Compression = (RocksDbCompression)42 },
        { nameof(RocksDbOptions.MaxBackgroundJobs), o => o.MaxBackgroundJobs = 0 },
        { nameof(RocksDbOptions.MergeOperator), o => o.MergeOperator = (RocksDbMergeOperator)7 },
        { nameof(RocksDbOptions.SyncWrites), o => (o.SyncWrites, o.DisableWal) = (true, true) },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void The_validator_rejects_a_bad_value_naming_the_setting(string setting, Action<RocksDbOptions> spoil)
    {
        var options = new RocksDbOptions();
        spoil(options);

        var problem = Assert.Single(RocksDbOptionsValidator.Problems(options));
        var error = Assert.Throws<OrleansConfigurationException>(new RocksDbOptionsValidator(options).ValidateConfiguration);

        Assert.StartsWith(setting, problem);
        Assert.Equal("Invalid RocksDB options: " + problem, error.Message);
    }

    [Fact]
    public void The_validator_lists_every_problem_at_once()
    {
        var options = new RocksDbOptions { MaxWriteBufferNumber = 0, MaxBackgroundJobs = -3 };

        var error = Assert.Throws<OrleansConfigurationException>(new RocksDbOptionsValidator(options).ValidateConfiguration);

        Assert.Contains("MaxWriteBufferNumber must be at least 2 (was 0)", error.Message);
        Assert.Contains("MaxBackgroundJobs must be at least 1 (was -3)", error.Message);
    }

    [Fact]
    public void Boundary_values_are_accepted_and_open()
    {
        var options = new RocksDbOptions
        {
            WriteBufferBytes = 64 << 10,
            MaxWriteBufferNumber = 2,
            BloomBitsPerKey = 0,
            MaxBackgroundJobs = 1,
            BlockSizeBytes = 1,
            SyncWrites = true,
        };
        Assert.Empty(RocksDbOptionsValidator.Problems(options));

        using var test = new TestDb(options);
        test.Db.Put(Bytes.Of("k"), Bytes.Of("v"));
        Assert.Equal(Bytes.Of("v"), test.Db.Get(Bytes.Of("k")));
    }

    [Fact]
    public void Settings_reach_the_options_file_rocksdb_persists()
    {
        using var test = new TestDb(new RocksDbOptions
        {
            MaxBackgroundJobs = 3,
            WriteBufferBytes = 1 << 20,
            MaxWriteBufferNumber = 4,
            Compression = RocksDbCompression.Zstd,
            BloomBitsPerKey = 12,
            BlockSizeBytes = 16 << 10,
            MergeOperator = RocksDbMergeOperator.UInt64Add,
        });

        var lines = PersistedOptions(test.Path);

        Assert.Contains("max_background_jobs=3", lines);
        Assert.Contains("write_buffer_size=1048576", lines);
        Assert.Contains("max_write_buffer_number=4", lines);
        Assert.Contains("compression=kZSTD", lines);
        Assert.Contains("level_compaction_dynamic_level_bytes=true", lines);
        Assert.Contains("merge_operator=UInt64AddOperator", lines);
        Assert.Contains("block_size=16384", lines);
        Assert.Contains("cache_index_and_filter_blocks=true", lines);
        Assert.Contains("filter_policy=bloomfilter", lines); // the file does not record bits per key
    }

    [Fact]
    public void Zero_bloom_bits_means_no_filter_and_no_merge_operator_by_default()
    {
        using var test = new TestDb(new RocksDbOptions { BloomBitsPerKey = 0 });

        var lines = PersistedOptions(test.Path);

        Assert.DoesNotContain("filter_policy=bloomfilter", lines);
        Assert.Contains("merge_operator=nullptr", lines);
        Assert.Contains("compression=kLZ4Compression", lines);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(12)]
    public void Bloom_bits_per_key_set_the_size_of_the_filter_written(int bits)
    {
        // The OPTIONS file names the filter but not its bits per key; the SST's filter block shows them.
        using var test = new TestDb(new RocksDbOptions { BloomBitsPerKey = bits });
        const int keys = 10_000;
        for (var i = 0; i < keys; i++)
        {
            test.Db.Put(Bytes.Of($"key-{i:D6}"), Bytes.Of("v"));
        }

        test.Db.Flush();
        var properties = test.Db.GetProperty("rocksdb.aggregated-table-properties")!;
        var filterBytes = long.Parse(Regex.Match(properties, @"filter block size=(\d+)").Groups[1].Value);

        Assert.Equal(bits, (int)Math.Round(filterBytes * 8.0 / keys));
    }

    // RocksDB writes the options it actually runs with to OPTIONS-<number> in the DB folder.
    private static HashSet<string> PersistedOptions(string dbPath)
    {
        var latest = Directory.GetFiles(dbPath, "OPTIONS-*").Max(StringComparer.Ordinal)!;
        return File.ReadAllLines(latest).Select(line => line.Trim()).ToHashSet();
    }
}
