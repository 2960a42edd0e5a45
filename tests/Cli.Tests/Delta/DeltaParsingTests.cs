using KinesisGrains.Cli;
using KinesisGrains.Cli.Commands;
using KinesisGrains.Cli.Parsing;
using KinesisGrains.Sinks.Delta;
using Xunit;

namespace KinesisGrains.Tests.Delta;

/// <summary><c>kgrains delta</c>'s command line alone: what it accepts, and the usage errors (exit 2, one sentence, nothing done).</summary>
public sealed class DeltaParsingTests
{
    private static readonly string[] s_table = ["--bucket", "my-bucket", "--path", "tables/user_summary"];

    [Theory]
    [InlineData("168h", 168 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("90m", 5400)]
    [InlineData("1h30m", 5400)]
    [InlineData("0h", 0)]
    [InlineData("0", 0)]
    [InlineData("1.5h", 5400)]
    public void Retentions_parse_as_durations(string value, int seconds)
    {
        var parse = KgrainsCli.Parse(["delta", "vacuum", .. s_table, "--retention", value, "--force"]);

        Assert.Empty(parse.Errors);
        Assert.Equal(TimeSpan.FromSeconds(seconds), parse.GetValue<Duration>("--retention").Value);
    }

    [Theory]
    [InlineData("128MiB", 128L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1.5MiB", 3L << 19)]
    [InlineData("2000000", 2_000_000)]
    [InlineData("100MB", 100_000_000)]
    [InlineData("64 mib", 64L << 20)]
    public void Target_file_sizes_parse_with_units(string value, long bytes)
    {
        var parse = KgrainsCli.Parse(["delta", "optimize", .. s_table, "--target-file-size", value]);

        Assert.Empty(parse.Errors);
        Assert.Equal(bytes, parse.GetValue<ByteSize>("--target-file-size").Bytes);
    }

    [Fact]
    public void Defaults_are_the_sinks_an_S3_log_store_and_a_week()
    {
        var optimize = KgrainsCli.Parse("delta", "optimize", "--bucket", "my-bucket", "--path", "/tables/user_summary/");
        var vacuum = KgrainsCli.Parse(["delta", "vacuum", .. s_table]);

        Assert.Empty(optimize.Errors);
        Assert.Empty(vacuum.Errors);
        var options = DeltaCommand.SinkOptions(optimize);
        Assert.Equal("tables/user_summary", options.Path);
        Assert.Equal(DeltaLogStoreKind.S3, options.LogStore);
        Assert.Null(options.AccessKeyId);
        Assert.Null(options.SecretAccessKey);
        Assert.Empty(DeltaSinkOptionsValidator.Problems(options));
        Assert.Equal(new DeltaSinkOptions().TargetFileSize, optimize.GetValue<ByteSize>("--target-file-size").Bytes);
        Assert.Equal(TimeSpan.FromDays(7), vacuum.GetValue<Duration>("--retention").Value);
        Assert.False(vacuum.GetValue<bool>("--force"));
    }

    [Fact]
    public void The_DynamoDB_log_store_takes_its_table_path_and_endpoint()
    {
        var parse = KgrainsCli.Parse(["delta", "vacuum", .. s_table, "--log-store", "dynamodb", "--log-table", "my_log", "--log-table-path", "s3a://my-bucket/tables/user_summary", "--dynamodb-endpoint", "http://127.0.0.1:8000"]);

        Assert.Empty(parse.Errors);
        var options = DeltaCommand.SinkOptions(parse);
        Assert.Equal(DeltaLogStoreKind.DynamoDB, options.LogStore);
        Assert.Equal("my_log", options.LogTableName);
        Assert.Equal("s3a://my-bucket/tables/user_summary", options.LogTablePath);
        Assert.Equal(new Uri("http://127.0.0.1:8000"), options.DynamoDBServiceUrl);
        Assert.Empty(DeltaSinkOptionsValidator.Problems(options));
    }

    [Theory]
    [InlineData("--retention 1h is shorter than 168h (7 days): readers of older table versions could lose files they still need; add --force to vacuum anyway", "vacuum", "--retention", "1h")]
    [InlineData("--retention 167h is shorter than 168h", "vacuum", "--retention", "6d23h", "--dry-run")]
    [InlineData("--retention must be a duration such as 168h, 7d or 90m, not '1 week'", "vacuum", "--retention", "1 week")]
    [InlineData("--retention must be a duration such as 168h, 7d or 90m, not '-1h'", "vacuum", "--retention", "-1h", "--force")]
    [InlineData("--target-file-size must be a size such as 128MiB, 1GiB or 134217728 (bytes), not 'big'", "optimize", "--target-file-size", "big")]
    [InlineData("--target-file-size must be at least 1MiB, not 512 KiB", "optimize", "--target-file-size", "512KiB")]
    [InlineData("--log-store must be S3 or DynamoDB, not 'dynamo'", "optimize", "--log-store", "dynamo")]
    [InlineData("--log-table needs --log-store DynamoDB", "optimize", "--log-table", "delta_log")]
    [InlineData("--dynamodb-endpoint needs --log-store DynamoDB", "vacuum", "--dynamodb-endpoint", "http://127.0.0.1:8000")]
    [InlineData("--endpoint must be an absolute http or https URL such as http://127.0.0.1:8080, not '127.0.0.1:4568'", "optimize", "--endpoint", "127.0.0.1:4568")]
    [InlineData("--bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, '-' or '.'), not 'My_Bucket'", "optimize", "--bucket", "My_Bucket")]
    [InlineData("--path must be the table's folder within the bucket, such as tables/user_summary, not 's3://my-bucket/t'", "vacuum", "--path", "s3://my-bucket/t")]
    [InlineData("Unrecognized command or argument 'compact'", "compact")]
    public async Task A_bad_value_is_a_usage_error_in_one_sentence(string expected, string command, params string[] args)
    {
        // Valid table options unless the case gives its own, so the bad value is the only error.
        var table = command == "compact" ? [] : s_table.Chunk(2).Where(pair => !args.Contains(pair[0])).SelectMany(pair => pair);
        var (exitCode, stdout, stderr) = await RunAsync(["delta", command, .. table, .. args]);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("error: " + expected, line);
        Assert.EndsWith($"(see 'kgrains delta{(command == "compact" ? "" : " " + command)} --help').", line);
    }

    [Theory]
    [InlineData("optimize", "--bucket")]
    [InlineData("vacuum", "--path")]
    public async Task Bucket_and_path_are_required(string command, string missing)
    {
        var args = new List<string> { "delta", command, "--bucket", "my-bucket", "--path", "t" };
        var at = args.IndexOf(missing);
        args.RemoveRange(at, 2);

        var (exitCode, _, stderr) = await RunAsync([.. args]);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal($"error: Option '{missing}' is required (see 'kgrains delta {command} --help').", Assert.Single(Lines(stderr)));
    }

    [Theory]
    [InlineData("optimize")]
    [InlineData("vacuum")]
    public void Both_take_json(string command)
    {
        var parse = KgrainsCli.Parse(["delta", command, .. s_table, "--json"]);

        Assert.Empty(parse.Errors);
        Assert.True(parse.GetValue(CommonOptions.Json));
    }

    [Fact]
    public async Task Help_names_the_options_and_their_defaults()
    {
        var (exitCode, stdout, _) = await RunAsync("delta", "vacuum", "--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("[default: 168h]", stdout);
        foreach (var option in new[] { "--retention", "--force", "--dry-run", "--full", "--bucket", "--path", "--endpoint", "--region", "--log-store", "--log-table", "--dynamodb-endpoint", "--json" })
        {
            Assert.Contains(option, stdout);
        }

        (exitCode, stdout, _) = await RunAsync("delta", "optimize", "--help");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("[default: 100MiB]", stdout);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await KgrainsCli.RunAsync(args, stdout, stderr);
        return (exitCode, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
