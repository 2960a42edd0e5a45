using KinesisGrains.Silo.Hosting;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Wrong streams, dead services and bad options: a clear message and a non-zero exit, never a hang or a bare stack trace.</summary>
public sealed class BadInputTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_stream_that_does_not_exist_is_named_in_the_error()
    {
        using var data = new TempDirectory();
        var settings = cluster.SiloSettings("app-missing", "no-such-stream", data.Path);

        var error = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings));

        Assert.Equal(SiloStartupException.DependencyUnavailable, error.ExitCode);
        Assert.Contains("'no-such-stream' does not exist", error.Message);
    }

    [Fact]
    public async Task The_silo_executable_exits_non_zero_with_a_message_for_a_missing_stream()
    {
        using var data = new TempDirectory();
        var arguments = ToArguments(cluster.SiloSettings("app-missing", "no-such-stream", data.Path));

        var (exitCode, _, stderr) = await ProcessRunner.RunAsync("KinesisGrains.Silo.dll", arguments, s_limit);

        Assert.Equal(3, exitCode);
        Assert.Contains("error: Kinesis stream 'no-such-stream' does not exist", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_Kinesis_endpoint_that_is_down_is_reported_with_its_address()
    {
        using var data = new TempDirectory();
        var port = ProcessRunner.FreePort();
        var settings = cluster.SiloSettings("app-down", "any", data.Path, ("Kinesis:ServiceUrl", $"http://127.0.0.1:{port}"), ("Kinesis:RequestTimeout", "00:00:02"));

        var error = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings).WaitAsync(s_limit));

        Assert.Equal(SiloStartupException.DependencyUnavailable, error.ExitCode);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task A_DynamoDB_endpoint_that_is_down_is_reported_with_its_address()
    {
        using var data = new TempDirectory();
        var stream = await cluster.CreateStreamAsync(shards: 1);
        var port = ProcessRunner.FreePort();
        var settings = cluster.SiloSettings("app-nodynamo", stream, data.Path, ("DynamoDB:ServiceUrl", $"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings).WaitAsync(s_limit));

        Assert.Equal(SiloStartupException.DependencyUnavailable, error.ExitCode);
        Assert.Contains($"DynamoDB at http://127.0.0.1:{port}/", error.Message);
    }

    [Fact]
    public async Task Invalid_options_are_all_listed_and_exit_with_code_2()
    {
        using var data = new TempDirectory();
        var arguments = ToArguments(cluster.SiloSettings(
            "x", "", data.Path, ("Kinesis:MinFetchPeriod", "00:00:00.050"), ("Kinesis:MaxRecordsPerFetch", "20000"), ("Kinesis:InitialPosition", "EARLIEST"), ("Grains:PartitionCount", "0"),
            ("State:WriteBufferBytes", "1000")));

        var (exitCode, _, stderr) = await ProcessRunner.RunAsync("KinesisGrains.Silo.dll", arguments, s_limit);

        Assert.Equal(2, exitCode);
        Assert.Contains("Invalid configuration", stderr);
        Assert.Contains("Silo:ApplicationName must be 3 to 255 characters", stderr);
        Assert.Contains("Kinesis:StreamName is required", stderr);
        Assert.Contains("Kinesis:MinFetchPeriod must be at least 200 ms", stderr);
        Assert.Contains("Kinesis:MaxRecordsPerFetch must be between 1 and 10000", stderr);
        Assert.Contains("Kinesis:InitialPosition must be TRIM_HORIZON, LATEST or AT_TIMESTAMP; it is 'EARLIEST'", stderr);
        Assert.Contains("PartitionCount must be between 1 and 65536", stderr);
        Assert.Contains("State: Invalid RocksDB options: WriteBufferBytes must be between 64 KiB and 64 GiB (was 1000).", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_configuration_error()
    {
        using var data = new TempDirectory();
        var settings = cluster.SiloSettings("app-types", "any", data.Path, ("Kinesis:MaxRecordsPerFetch", "lots"));

        var error = await Assert.ThrowsAsync<SiloStartupException>(() => LocalCluster.StartSiloAsync(settings));

        Assert.Equal(SiloStartupException.InvalidConfiguration, error.ExitCode);
        Assert.Contains("lots", error.Message);
    }

    [Fact]
    public async Task The_cli_reports_an_unreachable_Kinesis_without_a_stack_trace()
    {
        var port = ProcessRunner.FreePort();

        var (exitCode, _, stderr) = await ProcessRunner.RunAsync(
            "kgrains.dll", ["produce", "--kinesis-url", $"http://127.0.0.1:{port}", "--records", "10", "--truth", Path.GetTempFileName()], s_limit);

        Assert.Equal(1, exitCode);
        Assert.Contains("error:", stderr);
        Assert.Contains($"127.0.0.1:{port}", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    private static List<string> ToArguments(Dictionary<string, string?> settings) =>
        settings.Select(pair => $"--{pair.Key}={pair.Value}").ToList();
}
