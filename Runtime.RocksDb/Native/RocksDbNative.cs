using System.Runtime.InteropServices;

namespace KinesisGrains.RocksDb.Native;

/// <summary>
/// The part of the RocksDB 7.8 C API (rocksdb/c.h) this binding uses. Every signature is blittable (pointers as
/// <see cref="nint"/> or <c>byte*</c>, C <c>unsigned char</c> bools as <see cref="byte"/>, <c>size_t</c> as
/// <see cref="nuint"/>), so the source generator emits plain calls with no marshalling stubs.
/// </summary>
/// <remarks>
/// Every <c>char** errptr</c> must point to a NULL local; on failure RocksDB stores a malloc'd message there, which
/// <see cref="NativeError"/> copies and releases with <see cref="rocksdb_free"/>. Returned <c>nint</c> buffers are owned
/// by the caller; returned <c>byte*</c> ones point into RocksDB objects and are only borrowed.
/// </remarks>
internal static unsafe partial class RocksDbNative
{
    // The versioned soname: Debian's runtime package (librocksdb7.8) ships no unversioned librocksdb.so, and .NET
    // tries a name containing ".so." literally first.
    internal const string Library = "librocksdb.so.7.8";

    // Compression type codes from c.h (rocksdb_no_compression, rocksdb_snappy_compression, ...).
    internal const int NoCompression = 0;
    internal const int SnappyCompression = 1;
    internal const int Lz4Compression = 4;
    internal const int ZstdCompression = 7;

    // ---- DB options -----------------------------------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_options_create();
    [LibraryImport(Library)] internal static partial void rocksdb_options_destroy(nint options);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_create_if_missing(nint options, byte value);
    // Sets (and may shrink) the process-wide Env thread pools; for a process-level setup step, not per DB.
    [LibraryImport(Library)] internal static partial void rocksdb_options_increase_parallelism(nint options, int totalThreads);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_max_background_jobs(nint options, int value);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_write_buffer_size(nint options, nuint value);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_max_write_buffer_number(nint options, int value);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_compression(nint options, int compression);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_level_compaction_dynamic_level_bytes(nint options, byte value);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_block_based_table_factory(nint options, nint tableOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_options_set_uint64add_merge_operator(nint options);

    // ---- block cache and block-based tables -----------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_cache_create_lru(nuint capacity);
    [LibraryImport(Library)] internal static partial void rocksdb_cache_destroy(nint cache);
    [LibraryImport(Library)] internal static partial nuint rocksdb_cache_get_usage(nint cache);
    [LibraryImport(Library)] internal static partial nuint rocksdb_cache_get_capacity(nint cache);

    [LibraryImport(Library)] internal static partial nint rocksdb_block_based_options_create();
    [LibraryImport(Library)] internal static partial void rocksdb_block_based_options_destroy(nint tableOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_block_based_options_set_block_cache(nint tableOptions, nint cache);
    [LibraryImport(Library)] internal static partial void rocksdb_block_based_options_set_filter_policy(nint tableOptions, nint filterPolicy);
    [LibraryImport(Library)] internal static partial void rocksdb_block_based_options_set_block_size(nint tableOptions, nuint blockSize);
    [LibraryImport(Library)] internal static partial void rocksdb_block_based_options_set_cache_index_and_filter_blocks(nint tableOptions, byte value);
    [LibraryImport(Library)] internal static partial nint rocksdb_filterpolicy_create_bloom_full(double bitsPerKey);

    // ---- open, close, single-key operations -----------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_open(nint options, byte* name, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_close(nint db);
    [LibraryImport(Library)] internal static partial void rocksdb_free(nint ptr);

    [LibraryImport(Library)] internal static partial void rocksdb_put(nint db, nint writeOptions, byte* key, nuint keyLength, byte* value, nuint valueLength, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_delete(nint db, nint writeOptions, byte* key, nuint keyLength, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_merge(nint db, nint writeOptions, byte* key, nuint keyLength, byte* value, nuint valueLength, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_write(nint db, nint writeOptions, nint batch, nint* errptr);

    /// <summary>Returns a malloc'd copy (release with <see cref="rocksdb_free"/>), or 0 when the key is absent.</summary>
    [LibraryImport(Library)] internal static partial nint rocksdb_get(nint db, nint readOptions, byte* key, nuint keyLength, nuint* valueLength, nint* errptr);

    /// <summary>Returns a pinnable slice (release with <see cref="rocksdb_pinnableslice_destroy"/>), or 0 when absent.</summary>
    [LibraryImport(Library)] internal static partial nint rocksdb_get_pinned(nint db, nint readOptions, byte* key, nuint keyLength, nint* errptr);
    [LibraryImport(Library)] internal static partial byte* rocksdb_pinnableslice_value(nint slice, nuint* valueLength);
    [LibraryImport(Library)] internal static partial void rocksdb_pinnableslice_destroy(nint slice);

    // ---- write and read options -----------------------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_writeoptions_create();
    [LibraryImport(Library)] internal static partial void rocksdb_writeoptions_destroy(nint writeOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_writeoptions_disable_WAL(nint writeOptions, int disable);
    [LibraryImport(Library)] internal static partial void rocksdb_writeoptions_set_sync(nint writeOptions, byte value);

    [LibraryImport(Library)] internal static partial nint rocksdb_readoptions_create();
    [LibraryImport(Library)] internal static partial void rocksdb_readoptions_destroy(nint readOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_readoptions_set_fill_cache(nint readOptions, byte value);

    // Bounds are NOT copied: RocksDB keeps a Slice over the caller's bytes, which must outlive every iterator.
    [LibraryImport(Library)] internal static partial void rocksdb_readoptions_set_iterate_lower_bound(nint readOptions, byte* key, nuint keyLength);
    [LibraryImport(Library)] internal static partial void rocksdb_readoptions_set_iterate_upper_bound(nint readOptions, byte* key, nuint keyLength);

    // ---- write batches --------------------------------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_writebatch_create();
    [LibraryImport(Library)] internal static partial void rocksdb_writebatch_destroy(nint batch);
    [LibraryImport(Library)] internal static partial void rocksdb_writebatch_clear(nint batch);
    [LibraryImport(Library)] internal static partial int rocksdb_writebatch_count(nint batch);
    [LibraryImport(Library)] internal static partial void rocksdb_writebatch_put(nint batch, byte* key, nuint keyLength, byte* value, nuint valueLength);
    [LibraryImport(Library)] internal static partial void rocksdb_writebatch_delete(nint batch, byte* key, nuint keyLength);
    [LibraryImport(Library)] internal static partial void rocksdb_writebatch_merge(nint batch, byte* key, nuint keyLength, byte* value, nuint valueLength);

    // ---- iterators ------------------------------------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_create_iterator(nint db, nint readOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_iter_destroy(nint iterator);
    [LibraryImport(Library)] internal static partial byte rocksdb_iter_valid(nint iterator);
    [LibraryImport(Library)] internal static partial void rocksdb_iter_seek_to_first(nint iterator);
    [LibraryImport(Library)] internal static partial void rocksdb_iter_seek(nint iterator, byte* key, nuint keyLength);
    [LibraryImport(Library)] internal static partial void rocksdb_iter_next(nint iterator);
    [LibraryImport(Library)] internal static partial byte* rocksdb_iter_key(nint iterator, nuint* keyLength);
    [LibraryImport(Library)] internal static partial byte* rocksdb_iter_value(nint iterator, nuint* valueLength);
    [LibraryImport(Library)] internal static partial void rocksdb_iter_get_error(nint iterator, nint* errptr);

    // ---- checkpoints and flush ------------------------------------------------------------------------------------

    [LibraryImport(Library)] internal static partial nint rocksdb_checkpoint_object_create(nint db, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_checkpoint_create(nint checkpoint, byte* directory, ulong logSizeForFlush, nint* errptr);
    [LibraryImport(Library)] internal static partial void rocksdb_checkpoint_object_destroy(nint checkpoint);

    [LibraryImport(Library)] internal static partial nint rocksdb_flushoptions_create();
    [LibraryImport(Library)] internal static partial void rocksdb_flushoptions_set_wait(nint flushOptions, byte value);
    [LibraryImport(Library)] internal static partial void rocksdb_flushoptions_destroy(nint flushOptions);
    [LibraryImport(Library)] internal static partial void rocksdb_flush(nint db, nint flushOptions, nint* errptr);

    // ---- properties -----------------------------------------------------------------------------------------------

    /// <summary>Returns a malloc'd NUL-terminated string (release with <see cref="rocksdb_free"/>), or 0 when unknown.</summary>
    [LibraryImport(Library)] internal static partial nint rocksdb_property_value(nint db, byte* name);

    /// <summary>Returns 0 on success, -1 when the property is unknown or not an integer.</summary>
    [LibraryImport(Library)] internal static partial int rocksdb_property_int(nint db, byte* name, ulong* value);
}
