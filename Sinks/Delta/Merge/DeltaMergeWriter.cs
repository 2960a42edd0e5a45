using System.Collections.Concurrent;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// The copy-on-write half of a merge table (<see cref="DeltaSinkMode.Merge"/>): applies a state partition's changelog
/// rows to the files of the buckets they fall in. For each touched bucket it reads the bucket's live files, replaces each
/// key's row by the epoch's row (a <c>deleted</c> row removes the key), and writes the bucket's keys, sorted, as one new
/// file per partition value (none when the bucket became empty). Nothing is in the table until
/// <see cref="DeltaTable.CommitMergeAsync"/> commits the part.
/// <para>
/// A merge table keeps the changelog's columns (<see cref="RowSchema.Changelog"/>: <c>key</c>, <c>deleted</c>, the
/// state's properties), so it has the same schema as the changelog's append table; <c>deleted</c> is always false in it.
/// </para>
/// </summary>
internal sealed class DeltaMergeWriter
{
    // Buckets of one epoch read and written at once (S3 round trips, not CPU, are most of a small bucket's time).
    private const int BucketParallelism = 4;

    private readonly DeltaDataFileWriter _files;
    private readonly int _buckets;
    private readonly int _key;
    private readonly int _deleted;

    public DeltaMergeWriter(DeltaTableDefinition definition, DeltaTableStorage storage, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _buckets = definition.MergeBuckets ?? throw new ArgumentException("The definition is not a merge table's (MergeBuckets is null).", nameof(definition));
        _files = new DeltaDataFileWriter(definition.ToSchema(), storage, time);
        var names = _files.RowColumns.Select(c => c.Name).ToList();
        _key = names.IndexOf(RowSchema.KeyColumn);
        _deleted = names.IndexOf(RowSchema.DeletedColumn);
        if (_key < 0 || _deleted < 0)
        {
            throw new ArgumentException($"A merge table's rows need the columns '{RowSchema.KeyColumn}' and '{RowSchema.DeletedColumn}'.", nameof(definition));
        }
    }

    public int Buckets => _buckets;

    /// <summary>Decodes an epoch's changelog rows and sorts them into buckets; for one key, the last row counts.</summary>
    /// <exception cref="DeltaRowException">A row that does not fit the schema (before anything is read or written).</exception>
    public DeltaMergeBatch Decode(IReadOnlyList<SinkRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var buckets = new SortedDictionary<int, Dictionary<string, object?[]?>>();
        foreach (var row in rows)
        {
            var values = _files.Decode(row);
            var key = (string)values[_key]!;
            var bucket = DeltaMergeLayout.BucketOf(key, _buckets);
            if (!buckets.TryGetValue(bucket, out var changes))
            {
                buckets[bucket] = changes = new(StringComparer.Ordinal);
            }

            changes[key] = values[_deleted] is true ? null : values;
        }

        return new DeltaMergeBatch(buckets, rows.Count);
    }

    /// <summary>
    /// Merges <paramref name="batch"/> into the buckets it touches, as <paramref name="partitionFiles"/> (the partition's
    /// live files in some snapshot) hold them, and uploads the buckets' new files.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file of <paramref name="partitionFiles"/> is gone: they are older than the table's tombstone retention; take them again from the table.</exception>
    public async Task<DeltaMergePart> PrepareAsync(
        string appId, long version, int partition, DeltaMergeBatch batch, IEnumerable<DeltaAddFile> partitionFiles, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(partitionFiles);
        var owned = partitionFiles
            .Select(f => (File: f, Owned: DeltaMergeLayout.TryGetOwner(f.Tags, out var p, out var b) && p == partition, Bucket: b))
            .Where(f => f.Owned)
            .ToLookup(f => f.Bucket, f => f.File);
        var buckets = batch.Changes.Keys.ToArray();
        var results = new DeltaMergeBucket[buckets.Length];
        var written = new long[buckets.Length];
        var uploads = new ConcurrentBag<DeltaAddFile>();
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, buckets.Length),
                new ParallelOptions { MaxDegreeOfParallelism = BucketParallelism, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var bucket = buckets[i];
                    var files = owned[bucket].OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
                    var rows = new Dictionary<string, object?[]>(StringComparer.Ordinal);
                    foreach (var file in files)
                    {
                        foreach (var values in await _files.ReadValuesAsync(file, token))
                        {
                            rows[(string)values[_key]!] = values;
                        }
                    }

                    foreach (var (key, values) in batch.Changes[bucket])
                    {
                        if (values is null)
                        {
                            rows.Remove(key);
                        }
                        else
                        {
                            rows[key] = values;
                        }
                    }

                    var adds = rows.Count == 0 ? [] : await _files.WriteValuesAsync(
                        rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value), DeltaMergeLayout.Tags(partition, bucket), token);
                    foreach (var add in adds)
                    {
                        uploads.Add(add);
                    }

                    results[i] = new DeltaMergeBucket(bucket, [.. files.Select(f => f.Path)], adds);
                    written[i] = rows.Count;
                });
        }
        catch when (!uploads.IsEmpty)
        {
            await DeleteAsync([.. uploads], _files.Storage);
            throw;
        }

        return new DeltaMergePart(appId, version, partition, results, batch.Rows, written.Sum());
    }

    /// <summary>Deletes the uploads of parts that were not committed (stale, or committed before), quietly: vacuum in Full mode takes what is left.</summary>
    internal static async Task DeleteAsync(IReadOnlyCollection<DeltaAddFile> adds, DeltaTableStorage storage)
    {
        if (adds.Count == 0)
        {
            return;
        }

        try
        {
            await storage.DeleteAsync([.. adds.Select(a => DeltaPartitionPath.FromUri(a.Path))], CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never committed, never will be.
        }
    }
}

/// <summary>An epoch's changelog rows decoded by <see cref="DeltaMergeWriter.Decode"/>: per bucket, each key's row (null for a deleted key).</summary>
internal sealed class DeltaMergeBatch
{
    internal DeltaMergeBatch(SortedDictionary<int, Dictionary<string, object?[]?>> changes, int rows)
    {
        Changes = changes;
        Rows = rows;
    }

    /// <summary>The rows given.</summary>
    public int Rows { get; }

    /// <summary>The buckets the rows touch.</summary>
    public IReadOnlyCollection<int> Buckets => Changes.Keys;

    internal SortedDictionary<int, Dictionary<string, object?[]?>> Changes { get; }
}
