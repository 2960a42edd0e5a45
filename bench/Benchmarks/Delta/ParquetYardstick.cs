using System.IO.Compression;
using Parquet;
using Parquet.Schema;

namespace KinesisGrains.Benchmarks.Delta;

/// <summary>
/// The Delta sink benchmark's yardstick: Parquet.Net's plain writer API (ParquetWriter, one row group per batch,
/// WriteAsync per column) writing typed <see cref="PageViewRow"/>s to one local file, with the Parquet schema and
/// options the sink's data files have (Snappy, CompressionLevel.Optimal; the timestamp as INT64 microseconds, which the
/// sink then marks TIMESTAMP(MICROS) in its footer; the map as a key/value list with nullable values).
/// </summary>
internal sealed class ParquetYardstick : IAsyncDisposable
{
    private static readonly DataField s_user = new("user", typeof(string), false);
    private static readonly DataField s_page = new("page", typeof(string), false);
    private static readonly DataField s_region = new("region", typeof(string), false);
    private static readonly DataField s_views = new("views", typeof(long), false);
    private static readonly DataField s_bytes = new("bytes", typeof(long), false);
    private static readonly DataField s_duration = new("durationMs", typeof(long), false);
    private static readonly DataField s_lastSeen = new("lastSeen", typeof(long), false);
    private static readonly DataField s_key = new DataField<string>("key", false);
    private static readonly DataField s_value = new("value", typeof(long), true);
    private static readonly ParquetSchema s_schema = new(s_user, s_page, s_region, s_views, s_bytes, s_duration, s_lastSeen, new MapField("byType", s_key, s_value));

    private readonly FileStream _file;
    private readonly ParquetWriter _writer;

    private ParquetYardstick(FileStream file, ParquetWriter writer)
    {
        _file = file;
        _writer = writer;
    }

    public string Path => _file.Name;

    public static async Task<ParquetYardstick> CreateAsync(string path)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, CompressionLevel = CompressionLevel.Optimal };
        return new ParquetYardstick(file, await ParquetWriter.CreateAsync(s_schema, file, options));
    }

    /// <summary>Appends one row group per batch.</summary>
    /// <returns>The bytes the file grew by.</returns>
    public async Task<long> WriteAsync(IEnumerable<PageViewRow[]> batches)
    {
        var before = _file.Position;
        foreach (var rows in batches)
        {
            using var group = _writer.CreateRowGroup();
            await group.WriteAsync(s_user, Strings(rows, r => r.User), null);
            await group.WriteAsync(s_page, Strings(rows, r => r.Page), null);
            await group.WriteAsync(s_region, Strings(rows, r => r.Region), null);
            await group.WriteAsync<long>(s_views, Longs(rows, r => r.Views), null, null, CancellationToken.None);
            await group.WriteAsync<long>(s_bytes, Longs(rows, r => r.Bytes), null, null, CancellationToken.None);
            await group.WriteAsync<long>(s_duration, Longs(rows, r => r.DurationMs), null, null, CancellationToken.None);
            await group.WriteAsync<long>(s_lastSeen, Longs(rows, r => (r.LastSeen.UtcTicks - DateTime.UnixEpoch.Ticks) / 10), null, null, CancellationToken.None);

            var entries = rows.Sum(r => r.ByType.Count);
            var keys = new string[entries];
            var values = new long?[entries];
            var repetitions = new int[entries];
            var at = 0;
            foreach (var row in rows)
            {
                var first = true;
                foreach (var (key, value) in row.ByType)
                {
                    keys[at] = key;
                    values[at] = value;
                    repetitions[at++] = first ? 0 : 1;
                    first = false;
                }
            }

            await group.WriteAsync(s_key, keys, repetitions);
            await group.WriteAsync<long>(s_value, (ReadOnlyMemory<long?>)values, repetitions, null, CancellationToken.None);
            group.CompleteValidate();
        }

        await _file.FlushAsync();
        return _file.Position - before;
    }

    /// <summary>Writes the footer and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _file.DisposeAsync();
    }

    private static string[] Strings(PageViewRow[] rows, Func<PageViewRow, string> column)
    {
        var values = new string[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = column(rows[i]);
        }

        return values;
    }

    private static long[] Longs(PageViewRow[] rows, Func<PageViewRow, long> column)
    {
        var values = new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            values[i] = column(rows[i]);
        }

        return values;
    }
}
