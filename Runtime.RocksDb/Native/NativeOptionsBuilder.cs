namespace KinesisGrains.RocksDb.Native;

/// <summary>Translates <see cref="RocksDbOptions"/> into the native option objects used to open a DB.</summary>
internal static class NativeOptionsBuilder
{
    public static SafeOptionsHandle CreateDbOptions(RocksDbOptions options, RocksDbBlockCache? sharedCache)
    {
        var handle = new SafeOptionsHandle(RocksDbNative.rocksdb_options_create());
        try
        {
            var native = handle.DangerousGetHandle();
            RocksDbNative.rocksdb_options_set_create_if_missing(native, ToByte(options.CreateIfMissing));

            // Not increase_parallelism: it *sets* the process-wide pool sizes (LOW = n, HIGH = 1), so the last DB opened
            // would shrink the pools of all others. Open grows the shared pools to this DB's job limits by itself.
            RocksDbNative.rocksdb_options_set_max_background_jobs(native, options.MaxBackgroundJobs);
            RocksDbNative.rocksdb_options_set_write_buffer_size(native, (nuint)options.WriteBufferBytes);
            RocksDbNative.rocksdb_options_set_max_write_buffer_number(native, options.MaxWriteBufferNumber);
            RocksDbNative.rocksdb_options_set_compression(native, ToNative(options.Compression));

            // Sizes levels from the last one upwards, which bounds space amplification (recommended by RocksDB's tuning guide).
            RocksDbNative.rocksdb_options_set_level_compaction_dynamic_level_bytes(native, 1);

            if (options.MergeOperator == RocksDbMergeOperator.UInt64Add)
            {
                RocksDbNative.rocksdb_options_set_uint64add_merge_operator(native);
            }

            SetTableFactory(native, options, sharedCache);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public static SafeWriteOptionsHandle CreateWriteOptions(RocksDbOptions options)
    {
        var handle = new SafeWriteOptionsHandle(RocksDbNative.rocksdb_writeoptions_create());
        var native = handle.DangerousGetHandle();
        RocksDbNative.rocksdb_writeoptions_disable_WAL(native, options.DisableWal ? 1 : 0);
        RocksDbNative.rocksdb_writeoptions_set_sync(native, ToByte(options.SyncWrites));
        return handle;
    }

    public static SafeReadOptionsHandle CreateReadOptions() => new(RocksDbNative.rocksdb_readoptions_create());

    private static void SetTableFactory(nint native, RocksDbOptions options, RocksDbBlockCache? sharedCache)
    {
        var table = RocksDbNative.rocksdb_block_based_options_create();
        try
        {
            if (sharedCache is not null)
            {
                using var lease = new HandleLease(sharedCache.Handle, sharedCache);
                RocksDbNative.rocksdb_block_based_options_set_block_cache(table, lease.Pointer);
            }
            else
            {
                // The table options copy the cache's shared_ptr, so this wrapper can go as soon as it is set.
                using var ownCache = new SafeCacheHandle(RocksDbNative.rocksdb_cache_create_lru((nuint)options.BlockCacheBytes));
                RocksDbNative.rocksdb_block_based_options_set_block_cache(table, ownCache.DangerousGetHandle());
            }

            if (options.BloomBitsPerKey > 0)
            {
                // Ownership of the policy moves to the table options: it must not be destroyed here.
                RocksDbNative.rocksdb_block_based_options_set_filter_policy(
                    table, RocksDbNative.rocksdb_filterpolicy_create_bloom_full(options.BloomBitsPerKey));
            }

            RocksDbNative.rocksdb_block_based_options_set_block_size(table, (nuint)options.BlockSizeBytes);

            // Index and filter blocks then count against the (possibly shared) cache budget instead of growing outside it.
            RocksDbNative.rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, ToByte(options.CacheIndexAndFilterBlocks));

            // The factory is built from a copy of the table options.
            RocksDbNative.rocksdb_options_set_block_based_table_factory(native, table);
        }
        finally
        {
            RocksDbNative.rocksdb_block_based_options_destroy(table);
        }
    }

    private static int ToNative(RocksDbCompression compression) => compression switch
    {
        RocksDbCompression.None => RocksDbNative.NoCompression,
        RocksDbCompression.Snappy => RocksDbNative.SnappyCompression,
        RocksDbCompression.Lz4 => RocksDbNative.Lz4Compression,
        RocksDbCompression.Zstd => RocksDbNative.ZstdCompression,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown compression."),
    };

    private static byte ToByte(bool value) => value ? (byte)1 : (byte)0;
}
