using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing.Delta;
using KinesisGrains.Tests.Support;
using Xunit;

namespace KinesisGrains.Tests.Delta.Support;

/// <summary>
/// What a merge table should hold: every key's latest state, kept by the test from the changelogs it hands over, and
/// compared with what DuckDB reads from the table's live files (through <see cref="IndependentDeltaReader"/>).
/// </summary>
internal sealed class MergeModel
{
    public const string StateName = "activity";

    public static readonly RowSchema Schema = RowSchema.Changelog(typeof(ActivityState));

    /// <summary>Every column of a row as DuckDB gives it, in key order.</summary>
    public const string Query =
        "SELECT key, deleted, events, sessions, ratio, active, epoch_us(lastSeen), note, CAST(byType AS VARCHAR) FROM t ORDER BY key";

    public SortedDictionary<string, ActivityState> Live { get; } = new(StringComparer.Ordinal);

    public static DeltaTableDefinition Definition(int buckets, params string[] partitionBy) => DeltaTableDefinition.For(Schema, partitionBy, buckets);

    /// <summary>Key <paramref name="n"/>'s state as of <paramref name="epoch"/>: every column changes with the epoch, some are null; the date moves.</summary>
    public static ActivityState State(int n, long epoch) => new()
    {
        Events = (n * 100) + epoch,
        Sessions = (n + epoch) % 3 == 0 ? null : (int)(n + epoch),
        Ratio = (n / 8.0) + epoch,
        Active = (n + epoch) % 2 == 0,
        LastSeen = TestRows.BaseTime.AddHours((n * 5) + (epoch * 24)).AddTicks(n * 10),
        Note = n % 4 == 0 ? null : $"n{n}e{epoch}",
        ByType = n % 5 == 0 ? [] : new Dictionary<string, long> { ["click"] = n, ["view"] = epoch },
    };

    /// <summary>A changelog batch of <paramref name="changes"/> (a null state deletes the key), applied to the model too.</summary>
    public SinkEpochBatch Batch(int partition, long epoch, IEnumerable<(string Key, ActivityState? State)> changes)
    {
        var list = changes.ToList();
        foreach (var (key, state) in list)
        {
            if (state is null)
            {
                Live.Remove(key);
            }
            else
            {
                Live[key] = state;
            }
        }

        return SinkBatches.Changelog(StateName, partition, epoch, [.. list]);
    }

    /// <summary>The bucket of a key, computed here from its definition (low 64 bits of MD5, big-endian, modulo the count), not by the writer's code.</summary>
    public static int BucketOf(string key, int buckets) =>
        (int)(BinaryPrimitives.ReadUInt64BigEndian(MD5.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(8)) % (ulong)buckets);

    /// <summary>Asserts that DuckDB reads exactly the model: one row per live key, its latest values, no deleted key.</summary>
    public void AssertTable(IndependentDeltaReader reader)
    {
        using var duck = reader.OpenDuckDB();
        var rows = IndependentDeltaReader.Query(duck, Query);
        Assert.Equal(Live.Keys, rows.Select(r => (string)r[0]!));
        foreach (var (row, (key, state)) in rows.Zip(Live))
        {
            object?[] expected =
            [
                key, false, state.Events, state.Sessions is { } s ? s : null, state.Ratio, state.Active, TestRows.Micros(state.LastSeen), state.Note,
                $"{{{string.Join(", ", state.ByType.Select(p => $"{p.Key}={p.Value}"))}}}",
            ];
            Assert.Equal(expected.Select(Normalize), row.Select(Normalize));
        }

        Assert.Equal(Live.Count, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(DISTINCT key) FROM t")));
        Assert.Equal(Live.Count, Convert.ToInt32(IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")));
    }

    /// <summary>Asserts that every live file is tagged with one (partition, bucket) and holds only that bucket's keys of that partition.</summary>
    public static void AssertOwnership(IndependentDeltaReader reader, int buckets, Func<string, int> partitionOfKey)
    {
        using var duck = reader.OpenDuckDB();
        foreach (var (path, add) in reader.LiveFiles)
        {
            var tags = add.GetProperty("tags");
            var partition = int.Parse(tags.GetProperty("kgrains.partition").GetString()!, CultureInfo.InvariantCulture);
            var bucket = int.Parse(tags.GetProperty("kgrains.bucket").GetString()!, CultureInfo.InvariantCulture);
            var keys = IndependentDeltaReader.Query(duck, $"SELECT key FROM read_parquet('{reader.LocalPath(path)}')").Select(r => (string)r[0]!).ToList();
            Assert.NotEmpty(keys);
            Assert.All(keys, key =>
            {
                Assert.Equal(bucket, BucketOf(key, buckets));
                Assert.Equal(partition, partitionOfKey(key));
            });
        }
    }

    /// <summary>Removes and adds of each commit, by version (what a stranger sees of each merge).</summary>
    public static (int Removes, int Adds) Counts(IndependentDeltaReader reader, long version) =>
        (reader.Commits[version].Count(a => a.TryGetProperty("remove", out _)), reader.Commits[version].Count(a => a.TryGetProperty("add", out _)));

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        long l => l,
        float f => (double)f,
        _ => value,
    };
}
