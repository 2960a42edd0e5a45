using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using KinesisGrains.Cli;
using KinesisGrains.Sinks.Delta;
using KinesisGrains.Testing;
using KinesisGrains.Testing.Delta;
using Xunit;
using Xunit.Abstractions;

namespace KinesisGrains.Tests.Delta;

/// <summary>One s3rver and one dynalite for the <c>kgrains delta</c> tests; every test has a bucket of its own.</summary>
public sealed class DeltaEmulators : IDisposable
{
    private readonly EmulatorEnvironment _environment = EmulatorEnvironment.Start("s3rver", "dynalite");

    public DeltaEmulators()
    {
        S3 = DeltaTestTables.S3Client(_environment.S3);
        DynamoDB = DeltaTestTables.DynamoDBClient(_environment.DynamoDB);
    }

    public IAmazonS3 S3 { get; }

    public IAmazonDynamoDB DynamoDB { get; }

    public Uri S3Endpoint => _environment.S3;

    public Uri DynamoDBEndpoint => _environment.DynamoDB;

    public TempDirectory WorkingDirectory { get; } = new("kgrains-delta-cwd");

    public static string NewBucket() => $"cli-{Guid.NewGuid():N}"[..24];

    public void Dispose()
    {
        S3.Dispose();
        DynamoDB.Dispose();
        WorkingDirectory.Dispose();
        _environment.Dispose();
    }
}

/// <summary>
/// <c>kgrains delta optimize</c> and <c>kgrains delta vacuum</c> as a user runs them (the built tool, credentials in
/// $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY), on tables the sink's table code wrote, checked afterwards with the
/// independent reader (its own log replay, DuckDB over the files).
/// </summary>
public sealed class DeltaCommandTests(DeltaEmulators emulators, ITestOutputHelper log) : IClassFixture<DeltaEmulators>
{
    private const string Path = "tables/t";

    // Every column, so a compaction that loses, reorders or retypes a value shows.
    private const string AllRows = "SELECT \"user\", \"count\", sessions, ratio, active, epoch_us(lastSeen), region, CAST(byType AS VARCHAR) FROM t ORDER BY \"user\"";

    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Optimize_compacts_the_small_files_into_one_per_partition_and_keeps_every_row()
    {
        var bucket = DeltaEmulators.NewBucket();
        await DeltaTestTables.CreateAsync(emulators.S3, bucket, Path, epochs: 6);
        using var before = await ReadAsync(bucket);
        var rowsBefore = Rows(before);
        Assert.Equal(18, before.LiveFiles.Count);
        Assert.Equal(36, rowsBefore.Count);

        var (exitCode, stdout, stderr) = await RunAsync("delta", "optimize", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path, "--json");

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("", stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal($"s3://{bucket}/{Path}", result.GetProperty("table").GetString());
        Assert.True(result.GetProperty("compacted").GetBoolean());
        Assert.Equal(6, result.GetProperty("version").GetInt64());
        Assert.Equal(18, result.GetProperty("filesRemoved").GetInt32());
        Assert.Equal(3, result.GetProperty("filesAdded").GetInt32());
        Assert.Equal(3, result.GetProperty("partitionsOptimized").GetInt32());
        Assert.Equal(36, result.GetProperty("rows").GetInt64());
        Assert.Equal(100L * 1024 * 1024, result.GetProperty("targetFileSize").GetInt64());
        Assert.Equal(before.LiveFiles.Values.Sum(f => f.GetProperty("size").GetInt64()), result.GetProperty("bytesRemoved").GetInt64());

        using var after = await ReadAsync(bucket);
        Assert.Equal(3, after.LiveFiles.Count);
        Assert.Equal(rowsBefore, Rows(after));
        Assert.Equal(result.GetProperty("bytesAdded").GetInt64(), after.LiveFiles.Values.Sum(f => f.GetProperty("size").GetInt64()));

        // One commit of removes and adds, none of them a data change; the old files stay until a vacuum.
        Assert.Equal(Enumerable.Range(0, 7).Select(v => (long)v), after.Commits.Keys);
        var commit = after.Commits[6];
        Assert.Equal("OPTIMIZE", commit.Single(a => a.TryGetProperty("commitInfo", out _)).GetProperty("commitInfo").GetProperty("operation").GetString());
        var changes = commit.Select(a => a.TryGetProperty("add", out var add) ? add : a.TryGetProperty("remove", out var remove) ? remove : default).Where(a => a.ValueKind == JsonValueKind.Object).ToList();
        Assert.Equal(21, changes.Count);
        Assert.All(changes, a => Assert.False(a.GetProperty("dataChange").GetBoolean()));
        Assert.All(before.LiveFiles.Keys, path => Assert.True(after.Objects.ContainsKey(Uri.UnescapeDataString(path)), $"{path} was deleted by optimize"));

        // Again: nothing left to compact, and no new version.
        (exitCode, stdout, stderr) = await RunAsync("delta", "optimize", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"Nothing to compact in s3://{bucket}/{Path} at version 6: no partition has two or more files smaller than 100 MiB.", stdout.Trim());
        using var again = await ReadAsync(bucket);
        Assert.Equal(after.Commits.Keys, again.Commits.Keys);
    }

    [Fact]
    public async Task Optimize_commits_through_the_DynamoDB_log_store_when_told_to()
    {
        var bucket = DeltaEmulators.NewBucket();
        var logTable = "delta_log_" + bucket.Replace('-', '_');
        await DeltaTestTables.CreateAsync(emulators.S3, bucket, Path, epochs: 4, storage =>
            new DynamoDBDeltaLogStore(storage, emulators.DynamoDB, new DeltaLogTableOptions { Service = emulators.DynamoDBEndpoint.ToString(), TableName = logTable }));
        using var before = await ReadAsync(bucket);

        var (exitCode, stdout, stderr) = await RunAsync(
            "delta", "optimize", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path,
            "--log-store", "DynamoDB", "--log-table", logTable, "--dynamodb-endpoint", emulators.DynamoDBEndpoint.ToString(), "--target-file-size", "128MiB");

        Assert.True(exitCode == 0, stderr);
        Assert.Matches($@"^Compacted 12 files \([0-9.]+ KiB\) into 3 \([0-9.]+ KiB\), 24 rows in 3 partitions: version 4 of s3://{bucket}/{Path}\.$", stdout.Trim());

        // Version 4 went through the log store's table (an S3 conditional write would leave no entry there).
        var entry = await emulators.DynamoDB.GetItemAsync(new GetItemRequest
        {
            TableName = logTable,
            Key = new()
            {
                [DynamoDBDeltaLogStore.TablePathAttribute] = new AttributeValue { S = $"s3://{bucket}/{Path}" },
                [DynamoDBDeltaLogStore.FileNameAttribute] = new AttributeValue { S = DeltaLogPaths.CommitFileName(4) },
            },
            ConsistentRead = true,
        });
        Assert.True(entry.IsItemSet, "no log store entry for version 4");
        Assert.Equal("true", entry.Item[DynamoDBDeltaLogStore.CompleteAttribute].S);

        using var after = await ReadAsync(bucket);
        Assert.Equal(3, after.LiveFiles.Count);
        Assert.Equal(Rows(before), Rows(after));
    }

    [Fact]
    public async Task Vacuum_deletes_only_unreferenced_files_older_than_the_retention_refuses_a_short_one_and_dry_runs()
    {
        var bucket = DeltaEmulators.NewBucket();
        var table = await DeltaTestTables.CreateAsync(emulators.S3, bucket, Path, epochs: 6);
        using var written = await ReadAsync(bucket);
        Assert.Equal(6, (await table.OptimizeAsync(null, default)).Version);

        // An upload no commit ever named (a writer that died before committing).
        var orphan = "region=eu/part-00000-orphan.c000.snappy.parquet";
        await new DeltaTableStorage(emulators.S3, bucket, Path).PutAsync(orphan, [1, 2, 3], default);
        using var optimized = await ReadAsync(bucket);
        var rows = Rows(optimized);
        var removed = written.LiveFiles.Keys.Select(Uri.UnescapeDataString).Order(StringComparer.Ordinal).ToList();
        var all = await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path);
        Assert.Equal(18 + 3 + 1, all.Keys.Count(k => !k.StartsWith("_delta_log/", StringComparison.Ordinal)));
        string[] table_ = ["--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path];

        // Below 7 days without --force: refused before anything is read, as a usage error.
        var (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "0h"]);
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal(
            "error: --retention 0h is shorter than 168h (7 days): readers of older table versions could lose files they still need; add --force to vacuum anyway (see 'kgrains delta vacuum --help').",
            Assert.Single(Lines(stderr)));
        Assert.Equal(all, await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path));

        // The default retention (168h): the files were removed seconds ago.
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_]);
        Assert.True(exitCode == 0, stderr);
        Assert.Equal($"Nothing to vacuum in s3://{bucket}/{Path}: no removed file has been unreferenced for longer than 168h.", stdout.Trim());

        // A forced 1h is still older than anything here, the orphan included.
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "1h", "--force", "--full", "--json"]);
        Assert.True(exitCode == 0, stderr);
        Assert.Empty(JsonDocument.Parse(stdout).RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(all, await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path));

        // A dry run names exactly the 18 files optimize removed, and deletes none.
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "0h", "--force", "--dry-run", "--json"]);
        Assert.True(exitCode == 0, stderr);
        var dry = JsonDocument.Parse(stdout).RootElement;
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal("Lite", dry.GetProperty("mode").GetString());
        Assert.Equal(6, dry.GetProperty("version").GetInt64());
        Assert.Equal(0, dry.GetProperty("retentionHours").GetDouble());
        Assert.Equal(removed, dry.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(removed.Sum(p => all[p]), dry.GetProperty("bytes").GetInt64());
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "0h", "--force", "--dry-run"]);
        Assert.True(exitCode == 0, stderr);
        var lines = Lines(stdout);
        Assert.StartsWith($"Would delete 18 files (", lines[0]);
        Assert.EndsWith("(dry run: nothing deleted):", lines[0]);
        Assert.Equal(removed, lines.Skip(1).Order(StringComparer.Ordinal));
        Assert.Equal(all, await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path));

        // Lite: the 18 removed files go; the live files, the log and the never-committed orphan stay.
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "0h", "--force"]);
        Assert.True(exitCode == 0, stderr);
        Assert.StartsWith($"Deleted 18 files (", stdout.Trim());
        Assert.EndsWith($") from s3://{bucket}/{Path}, unreferenced for longer than 0h.", stdout.Trim());
        var left = await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path);
        Assert.Equal(all.Keys.Except(removed), left.Keys);
        using (var vacuumed = await ReadAsync(bucket))
        {
            Assert.Equal(optimized.Commits.Keys, vacuumed.Commits.Keys);
            Assert.Equal(rows, Rows(vacuumed));
        }

        // Full: the orphan too, and nothing else.
        (exitCode, stdout, stderr) = await RunAsync(["delta", "vacuum", .. table_, "--retention", "0h", "--force", "--full", "--json"]);
        Assert.True(exitCode == 0, stderr);
        var full = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("Full", full.GetProperty("mode").GetString());
        Assert.False(full.GetProperty("dryRun").GetBoolean());
        Assert.Equal([orphan], full.GetProperty("files").EnumerateArray().Select(f => f.GetString()!));
        Assert.Equal(left.Keys.Where(k => k != orphan), (await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, Path)).Keys);
        using (var final = await ReadAsync(bucket))
        {
            Assert.Equal(rows, Rows(final));
        }
    }

    [Fact]
    public async Task A_folder_without_a_table_is_refused_before_anything_is_deleted()
    {
        var bucket = DeltaEmulators.NewBucket();
        await DeltaTestTables.CreateAsync(emulators.S3, bucket, Path, epochs: 2);
        var objects = await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, "tables");

        // The parent folder: every file of the table under it would look unreferenced to a Full vacuum.
        var (exitCode, stdout, stderr) = await RunAsync(
            "delta", "vacuum", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", "tables", "--retention", "0h", "--force", "--full");

        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal(
            $"error: there is no Delta table at s3://{bucket}/tables: s3://{bucket}/tables/_delta_log has no commits (is --path the table's folder?).",
            Assert.Single(Lines(stderr)));
        Assert.Equal(objects, await DeltaTestTables.ObjectsAsync(emulators.S3, bucket, "tables"));
    }

    [Fact]
    public async Task A_missing_bucket_and_wrong_keys_are_runtime_errors_in_one_sentence_that_never_show_the_secret()
    {
        var bucket = DeltaEmulators.NewBucket();
        var endpoint = emulators.S3Endpoint.GetLeftPart(UriPartial.Authority);
        var (exitCode, stdout, stderr) = await RunAsync("delta", "optimize", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path);
        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal($"error: the bucket '{bucket}' does not exist in S3 at {endpoint}.", Assert.Single(Lines(stderr)));

        await DeltaTestTables.CreateAsync(emulators.S3, bucket, Path, epochs: 2);
        // s3rver checks the key id (not SigV4 signatures): keys it does not know, taken from the environment as the AWS SDK does.
        const string secret = "not-the-s3rver-secret-7f3a9c";
        (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(
            ["delta", "vacuum", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", bucket, "--path", Path, "--json"],
            emulators.WorkingDirectory.Path, s_limit,
            new Dictionary<string, string>(DeltaTestTables.Credentials) { ["AWS_ACCESS_KEY_ID"] = "AKIDUNKNOWNTOS3RVER", ["AWS_SECRET_ACCESS_KEY"] = secret });
        log.WriteLine(stderr);
        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("", stdout);
        Assert.StartsWith($"error: S3 at {endpoint} refused a request for s3://{bucket}/{Path}: InvalidAccessKeyId: ", Assert.Single(Lines(stderr)));
        Assert.DoesNotContain(secret, stderr);
    }

    [Fact]
    public async Task No_credentials_and_an_unreachable_endpoint_are_runtime_errors_in_one_sentence()
    {
        // Nothing the SDK's default chain could find: no keys, no files, no instance role.
        using var home = new TempDirectory("kgrains-no-aws");
        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(
            ["delta", "optimize", "--endpoint", emulators.S3Endpoint.ToString(), "--bucket", "some-bucket", "--path", Path],
            emulators.WorkingDirectory.Path, s_limit,
            new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_SESSION_TOKEN"] = "", ["AWS_PROFILE"] = "",
                ["HOME"] = home.Path, ["AWS_SHARED_CREDENTIALS_FILE"] = System.IO.Path.Combine(home.Path, "none"), ["AWS_CONFIG_FILE"] = System.IO.Path.Combine(home.Path, "none"),
                ["AWS_EC2_METADATA_DISABLED"] = "true", ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "", ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "", ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "",
            });
        log.WriteLine(stderr);
        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal(
            "error: found no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile or role the AWS SDK's default chain finds.",
            Assert.Single(Lines(stderr)));

        var port = KgrainsProcess.FreePort();
        (exitCode, stdout, stderr) = await RunAsync("delta", "vacuum", "--endpoint", $"http://127.0.0.1:{port}", "--bucket", "some-bucket", "--path", Path);
        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal($"error: cannot reach S3 at http://127.0.0.1:{port} for s3://some-bucket/{Path}: Connection refused (127.0.0.1:{port}).", Assert.Single(Lines(stderr)));
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments)
    {
        var result = await KgrainsProcess.RunAsync(arguments, emulators.WorkingDirectory.Path, s_limit, DeltaTestTables.Credentials);
        log.WriteLine($"$ kgrains {string.Join(' ', arguments)}  -> {result.ExitCode}\n{result.Stdout}{result.Stderr}");
        Assert.DoesNotContain("   at ", result.Stderr);
        return result;
    }

    private Task<IndependentDeltaReader> ReadAsync(string bucket) => IndependentDeltaReader.LoadAsync(emulators.S3, bucket, Path);

    private static List<object?[]> Rows(IndependentDeltaReader table)
    {
        using var duck = table.OpenDuckDB();
        return IndependentDeltaReader.Query(duck, AllRows);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
