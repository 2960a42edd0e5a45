/*
 * The state benchmark's yardstick: what RocksDB itself does for keyed counters, with no .NET in the way.
 *
 * Random 16-byte keys out of KEYS distinct ones, 8-byte little-endian counters, written in batches with WAL off, on
 * the same RocksDB library the managed side loads (the RocksDB NuGet package's, 11.12) and with the settings of
 * RocksDbOptions' defaults: 64 MiB x 3 memtables, LZ4, full bloom filter of 10 bits per key, index and filter blocks in
 * a shared LRU cache, two background jobs.
 *
 *   merge_loop LIBRARY DB_DIR merge|put KEYS OPS [BATCH=1000] [CACHE_BYTES=268435456]
 *
 * merge: OPS merges of 1 through RocksDB's built-in uint64add operator (as RocksDbMergeOperator.UInt64Add);
 * put:   OPS puts of an 8-byte value (db_bench fillrandom's work).
 * Prints one line ending in "<rate> ops/s"; the open and close are not timed.
 *
 * The library is loaded with dlopen from the path given: the package's file name lacks the version its SONAME carries,
 * so a binary linked against it would look for a file that is not there.
 */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The few prototypes of RocksDB's include/rocksdb/c.h this program needs: a stable C ABI, the package ships no header. */
typedef struct rocksdb_t rocksdb_t;
typedef struct rocksdb_options_t rocksdb_options_t;
typedef struct rocksdb_block_based_table_options_t rocksdb_block_based_table_options_t;
typedef struct rocksdb_cache_t rocksdb_cache_t;
typedef struct rocksdb_filterpolicy_t rocksdb_filterpolicy_t;
typedef struct rocksdb_writeoptions_t rocksdb_writeoptions_t;
typedef struct rocksdb_readoptions_t rocksdb_readoptions_t;
typedef struct rocksdb_writebatch_t rocksdb_writebatch_t;

enum { rocksdb_lz4_compression = 4 };

#define ROCKSDB_API(X)                                                                                          \
    X(rocksdb_options_t *, rocksdb_options_create, (void))                                                    \
    X(void, rocksdb_options_destroy, (rocksdb_options_t *))                                                     \
    X(void, rocksdb_options_set_create_if_missing, (rocksdb_options_t *, unsigned char))                        \
    X(void, rocksdb_options_set_write_buffer_size, (rocksdb_options_t *, size_t))                               \
    X(void, rocksdb_options_set_max_write_buffer_number, (rocksdb_options_t *, int))                            \
    X(void, rocksdb_options_set_max_background_jobs, (rocksdb_options_t *, int))                                \
    X(void, rocksdb_options_set_compression, (rocksdb_options_t *, int))                                        \
    X(void, rocksdb_options_set_level_compaction_dynamic_level_bytes, (rocksdb_options_t *, unsigned char))     \
    X(void, rocksdb_options_set_uint64add_merge_operator, (rocksdb_options_t *))                                \
    X(void, rocksdb_options_set_block_based_table_factory,                                                      \
      (rocksdb_options_t *, rocksdb_block_based_table_options_t *))                                             \
    X(rocksdb_block_based_table_options_t *, rocksdb_block_based_options_create, (void))                        \
    X(void, rocksdb_block_based_options_destroy, (rocksdb_block_based_table_options_t *))                       \
    X(void, rocksdb_block_based_options_set_block_cache,                                                        \
      (rocksdb_block_based_table_options_t *, rocksdb_cache_t *))                                               \
    X(void, rocksdb_block_based_options_set_filter_policy,                                                      \
      (rocksdb_block_based_table_options_t *, rocksdb_filterpolicy_t *))                                        \
    X(void, rocksdb_block_based_options_set_cache_index_and_filter_blocks,                                      \
      (rocksdb_block_based_table_options_t *, unsigned char))                                                   \
    X(rocksdb_cache_t *, rocksdb_cache_create_lru, (size_t))                                                    \
    X(void, rocksdb_cache_destroy, (rocksdb_cache_t *))                                                         \
    X(rocksdb_filterpolicy_t *, rocksdb_filterpolicy_create_bloom_full, (double))                               \
    X(rocksdb_t *, rocksdb_open, (const rocksdb_options_t *, const char *, char **))                            \
    X(void, rocksdb_close, (rocksdb_t *))                                                                       \
    X(void, rocksdb_free, (void *))                                                                             \
    X(rocksdb_writeoptions_t *, rocksdb_writeoptions_create, (void))                                            \
    X(void, rocksdb_writeoptions_destroy, (rocksdb_writeoptions_t *))                                           \
    X(void, rocksdb_writeoptions_disable_WAL, (rocksdb_writeoptions_t *, int))                                  \
    X(rocksdb_readoptions_t *, rocksdb_readoptions_create, (void))                                              \
    X(void, rocksdb_readoptions_destroy, (rocksdb_readoptions_t *))                                             \
    X(rocksdb_writebatch_t *, rocksdb_writebatch_create, (void))                                                \
    X(void, rocksdb_writebatch_destroy, (rocksdb_writebatch_t *))                                               \
    X(void, rocksdb_writebatch_clear, (rocksdb_writebatch_t *))                                                 \
    X(void, rocksdb_writebatch_put, (rocksdb_writebatch_t *, const char *, size_t, const char *, size_t))       \
    X(void, rocksdb_writebatch_merge, (rocksdb_writebatch_t *, const char *, size_t, const char *, size_t))     \
    X(void, rocksdb_write, (rocksdb_t *, const rocksdb_writeoptions_t *, rocksdb_writebatch_t *, char **))      \
    X(char *, rocksdb_get,                                                                                      \
      (rocksdb_t *, const rocksdb_readoptions_t *, const char *, size_t, size_t *, char **))

#define DECLARE(ret, name, args) static ret(*name) args;
ROCKSDB_API(DECLARE)

static void load(const char *path)
{
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "merge_loop: %s\n", dlerror());
        exit(2);
    }
#define RESOLVE(ret, name, args)                                                                                \
    *(void **)(&name) = dlsym(library, #name);                                                                  \
    if (name == NULL) {                                                                                         \
        fprintf(stderr, "merge_loop: %s has no %s\n", path, #name);                                             \
        exit(2);                                                                                                \
    }
    ROCKSDB_API(RESOLVE)
}

static void check(char *error, const char *what)
{
    if (error != NULL) {
        fprintf(stderr, "merge_loop: %s: %s\n", what, error);
        exit(1);
    }
}

/* splitmix64: a fast, well-mixed generator; also spreads key numbers over the key space. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void store_be64(char *to, uint64_t value)
{
    for (int i = 7; i >= 0; i--, value >>= 8) {
        to[i] = (char)(value & 0xff);
    }
}

/* Key n: 8 hashed bytes (random position in the key space) then n itself, so distinct n give distinct keys. */
static void make_key(char key[16], uint64_t n)
{
    store_be64(key, mix(n));
    store_be64(key + 8, n);
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 6 || (strcmp(argv[3], "merge") != 0 && strcmp(argv[3], "put") != 0)) {
        fprintf(stderr, "usage: merge_loop LIBRARY DB_DIR merge|put KEYS OPS [BATCH=1000] [CACHE_BYTES=268435456]\n");
        return 2;
    }

    load(argv[1]);
    const char *directory = argv[2];
    const int merging = strcmp(argv[3], "merge") == 0;
    const uint64_t keys = strtoull(argv[4], NULL, 10);
    const uint64_t ops = strtoull(argv[5], NULL, 10);
    const uint64_t batch_size = argc > 6 ? strtoull(argv[6], NULL, 10) : 1000;
    const size_t cache_bytes = argc > 7 ? (size_t)strtoull(argv[7], NULL, 10) : (size_t)256 << 20;
    if (keys == 0 || batch_size == 0) {
        fprintf(stderr, "merge_loop: KEYS and BATCH must be positive\n");
        return 2;
    }

    rocksdb_cache_t *cache = rocksdb_cache_create_lru(cache_bytes);
    rocksdb_block_based_table_options_t *table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(table, cache);
    rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom_full(10));
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1);

    rocksdb_options_t *options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(options, 1);
    rocksdb_options_set_write_buffer_size(options, (size_t)64 << 20);
    rocksdb_options_set_max_write_buffer_number(options, 3);
    rocksdb_options_set_max_background_jobs(options, 2);
    rocksdb_options_set_compression(options, rocksdb_lz4_compression);
    rocksdb_options_set_level_compaction_dynamic_level_bytes(options, 1);
    rocksdb_options_set_uint64add_merge_operator(options);
    rocksdb_options_set_block_based_table_factory(options, table);

    char *error = NULL;
    rocksdb_t *db = rocksdb_open(options, directory, &error);
    check(error, "open");

    rocksdb_writeoptions_t *write_options = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(write_options, 1);
    rocksdb_writebatch_t *batch = rocksdb_writebatch_create();

    const char one[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    char key[16];
    uint64_t state = 42;
    uint64_t merges_of_key0 = 0;
    const double start = now_seconds();
    for (uint64_t done = 0; done < ops;) {
        rocksdb_writebatch_clear(batch);
        const uint64_t size = ops - done < batch_size ? ops - done : batch_size;
        for (uint64_t i = 0; i < size; i++) {
            state = mix(state);
            const uint64_t n = state % keys;
            make_key(key, n);
            if (merging) {
                rocksdb_writebatch_merge(batch, key, sizeof key, one, sizeof one);
                merges_of_key0 += n == 0;
            } else {
                rocksdb_writebatch_put(batch, key, sizeof key, one, sizeof one);
            }
        }

        rocksdb_write(db, write_options, batch, &error);
        check(error, "write");
        done += size;
    }
    const double seconds = now_seconds() - start;

    /* A merge operator that silently did nothing would make a fast loop: key 0 must hold its count. */
    if (merging) {
        rocksdb_readoptions_t *read_options = rocksdb_readoptions_create();
        size_t length = 0;
        make_key(key, 0);
        char *value = rocksdb_get(db, read_options, key, sizeof key, &length, &error);
        check(error, "get");
        uint64_t count = 0;
        for (size_t i = 0; value != NULL && i < length && i < 8; i++) {
            count |= (uint64_t)(unsigned char)value[i] << (8 * i);
        }
        if (count != merges_of_key0 || (value == NULL && merges_of_key0 != 0) || (value != NULL && length != 8)) {
            fprintf(stderr, "merge_loop: key 0 holds %llu, expected %llu\n", (unsigned long long)count,
                    (unsigned long long)merges_of_key0);
            return 1;
        }
        rocksdb_free(value);
        rocksdb_readoptions_destroy(read_options);
    }

    rocksdb_writebatch_destroy(batch);
    rocksdb_writeoptions_destroy(write_options);
    rocksdb_close(db);
    rocksdb_options_destroy(options);
    rocksdb_block_based_options_destroy(table);
    rocksdb_cache_destroy(cache);

    printf("merge_loop %s: %llu ops over %llu keys in batches of %llu, %.2f s, %.0f ops/s\n", argv[3],
           (unsigned long long)ops, (unsigned long long)keys, (unsigned long long)batch_size, seconds,
           (double)ops / seconds);
    return 0;
}
