using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using DuckDB.NET.Data;


namespace KinesisGrains.Testing.Delta;

/// <summary>
/// Reads a Delta table the way a stranger would, sharing no code with the writer: downloads <c>_delta_log</c> and the
/// live files through the AWS SDK (s3rver keeps objects as <c>&lt;key&gt;._S3rver_object</c>), replays the JSON commits
/// with its own few lines, and queries the files with DuckDB's <c>read_parquet</c>, the partition values attached
/// from the log. Tests read our tables with it, and <c>./demo.sh</c> prints rows with it (<c>kgrains-delta-peek</c>).
/// </summary>
public sealed class IndependentDeltaReader : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("delta-read-");

    private IndependentDeltaReader()
    {
    }

    /// <summary>Each commit's actions (one JSON object per line), by version.</summary>
    public SortedDictionary<long, List<JsonElement>> Commits { get; } = [];

    /// <summary>Live files by add.path, their add action.</summary>
    public Dictionary<string, JsonElement> LiveFiles { get; } = [];

    /// <summary>Latest txn version per appId.</summary>
    public Dictionary<string, long> Txns { get; } = [];

    /// <summary>Objects under the table root (keys relative to it) and their sizes.</summary>
    public Dictionary<string, long> Objects { get; } = [];

    public List<string> PartitionColumns { get; } = [];

    public string Folder => _folder.FullName;

    public static async Task<IndependentDeltaReader> LoadAsync(IAmazonS3 s3, string bucket, string root)
    {
        var reader = new IndependentDeltaReader();
        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = root + "/" });
        foreach (var item in listing.S3Objects ?? [])
        {
            reader.Objects[item.Key[(root.Length + 1)..]] = item.Size ?? 0;
        }

        foreach (var key in reader.Objects.Keys.Where(k => k.StartsWith("_delta_log/", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal) && !k.Contains("/.tmp/")))
        {
            var version = long.Parse(Path.GetFileNameWithoutExtension(key));
            var text = await DownloadTextAsync(s3, bucket, $"{root}/{key}");
            reader.Commits[version] = [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
        }

        foreach (var (_, actions) in reader.Commits)
        {
            foreach (var action in actions)
            {
                if (action.TryGetProperty("add", out var add))
                {
                    reader.LiveFiles[add.GetProperty("path").GetString()!] = add;
                }
                else if (action.TryGetProperty("remove", out var remove))
                {
                    reader.LiveFiles.Remove(remove.GetProperty("path").GetString()!);
                }
                else if (action.TryGetProperty("txn", out var txn))
                {
                    reader.Txns[txn.GetProperty("appId").GetString()!] = txn.GetProperty("version").GetInt64();
                }
                else if (action.TryGetProperty("metaData", out var metadata))
                {
                    reader.PartitionColumns.Clear();
                    reader.PartitionColumns.AddRange(metadata.GetProperty("partitionColumns").EnumerateArray().Select(c => c.GetString()!));
                }
            }
        }

        foreach (var path in reader.LiveFiles.Keys)
        {
            var local = reader.LocalPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(local)!);
            using var response = await s3.GetObjectAsync(bucket, $"{root}/{Uri.UnescapeDataString(path)}");
            await using var file = File.Create(local);
            await response.ResponseStream.CopyToAsync(file);
        }

        return reader;
    }

    public string LocalPath(string addPath) => Path.Combine(_folder.FullName, "files", Uri.UnescapeDataString(addPath).Replace('%', '_'));

    /// <summary>A DuckDB view <c>t</c> over the live files, partition columns added as strings from each file's add.</summary>
    public DuckDBConnection OpenDuckDB()
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        var selects = LiveFiles.Select(f =>
        {
            var partitions = PartitionColumns.Select(c =>
                f.Value.GetProperty("partitionValues").GetProperty(c) is { ValueKind: JsonValueKind.String } v
                    ? $"'{v.GetString()!.Replace("'", "''")}' AS \"{c}\""
                    : $"CAST(NULL AS VARCHAR) AS \"{c}\"");
            return $"SELECT *{string.Concat(partitions.Select(p => ", " + p))} FROM read_parquet('{LocalPath(f.Key)}', hive_partitioning = false)";
        }).ToList();
        using var command = connection.CreateCommand();
        command.CommandText = selects.Count == 0
            ? "CREATE VIEW t AS SELECT 1 AS nothing WHERE false"
            : $"CREATE VIEW t AS {string.Join(" UNION ALL BY NAME ", selects)}";
        command.ExecuteNonQuery();
        return connection;
    }

    public static List<object?[]> Query(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static object? Scalar(DuckDBConnection connection, string sql) => Query(connection, sql)[0][0];

    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> DownloadTextAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
