using KinesisGrains.Cli;
using KinesisGrains.Cli.Commands;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The command line alone: what is accepted, and what a bad value gets (exit 2 and one sentence, nothing done).</summary>
public sealed class ParsingTests
{
    [Theory]
    [InlineData("--silo", "http://127.0.0.1:8080")]
    [InlineData("--silo", "https://silo.example.com/")]
    public void Silo_urls_as_the_README_shows_them_parse(string option, string url)
    {
        var parse = KgrainsCli.Parse("status", option, url);

        Assert.Empty(parse.Errors);
        Assert.Equal(new Uri(url), parse.GetValue(CommonOptions.Silo));
    }

    [Theory]
    [InlineData("create-stream")]
    [InlineData("produce")]
    public void Kinesis_urls_parse(string command)
    {
        var parse = KgrainsCli.Parse(command, "--kinesis-url", "http://127.0.0.1:4567");

        Assert.Empty(parse.Errors);
        Assert.Equal(new Uri("http://127.0.0.1:4567"), parse.GetValue(CommonOptions.KinesisUrl));
    }

    [Theory]
    [InlineData("status", "--silo", "127.0.0.1:8080")]
    [InlineData("status", "--silo", "ftp://127.0.0.1/")]
    [InlineData("status", "--silo", "/var/run/silo")]
    [InlineData("status", "--silo", "http//oops")]
    [InlineData("produce", "--kinesis-url", "localhost")]
    [InlineData("create-stream", "--kinesis-url", "kinesis://127.0.0.1:4567")]
    public async Task A_url_that_is_not_absolute_http_is_a_usage_error_in_one_sentence(string command, string option, string value)
    {
        var (exitCode, stdout, stderr) = await RunAsync(command, option, value);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.Equal($"error: {option} must be an absolute http or https URL such as http://127.0.0.1:8080, not '{value}' (see 'kgrains {command} --help').", line);
    }

    [Theory]
    [InlineData("--records 0 must be at least 1", "produce", "--records", "0")]
    [InlineData("Cannot parse argument 'lots' for option '--records'", "produce", "--records", "lots")]
    [InlineData("--keys must be at least 1, not -5", "produce", "--keys", "-5")]
    [InlineData("--rate must be at least 0, not -1", "produce", "--rate", "-1")]
    [InlineData("--shards must be at least 1, not 0", "create-stream", "--shards", "0")]
    [InlineData("--timeout must be at least 1, not 0", "status", "--timeout", "0")]
    [InlineData("--min-records must be at least 0, not -3", "status", "--min-records", "-3")]
    [InlineData("--gateway takes TCP ports from 1 to 65535 (repeated or comma-separated), not '70000'", "verify", "--gateway", "70000")]
    [InlineData("--gateway takes TCP ports from 1 to 65535 (repeated or comma-separated), not 'x'", "verify", "--gateway", "30000,x")]
    [InlineData("Unrecognized command or argument 'producer'", "producer")]
    [InlineData("Unrecognized command or argument '--recrods'", "produce", "--recrods", "5")]
    [InlineData("Required argument missing for command: 'query'", "query")]
    [InlineData("Required argument missing for command: 'sessions'", "query", "sessions")]
    [InlineData("--last must be at least 0, not -1", "query", "per-minute", "--last", "-1", "view")]
    [InlineData("--events-ago must be a duration such as 168h, 7d or 90m, not 'yesterday'", "produce", "--events-ago", "yesterday")]
    [InlineData("savepoint name 'a/b' must be 1 to 100 ASCII letters, digits, '-', '_' or '.'", "savepoint", "create", "--application", "app", "a/b")]
    [InlineData("savepoint name 'x=1' must be 1 to 100 ASCII letters", "savepoint", "delete", "--application", "app", "x=1")]
    [InlineData("Option '--application' is required", "savepoint", "restore", "before-upgrade")]
    [InlineData("Required argument missing for command: 'restore'", "savepoint", "restore", "--application", "app")]
    [InlineData("--barrier-timeout must be longer than 0", "savepoint", "create", "--application", "app", "--barrier-timeout", "0", "now")]
    [InlineData("--pause-timeout must be longer than 0", "pause", "--application", "app", "--pause-timeout", "0")]
    [InlineData("--pause-timeout must be longer than 0", "reset", "--application", "app", "--to", "LATEST", "--clear-state", "--live", "--pause-timeout", "0")]
    [InlineData("Option '--application' is required", "resume")]
    public async Task A_bad_value_is_a_usage_error_in_one_sentence(string expected, params string[] args)
    {
        var (exitCode, stdout, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected.Replace("--records 0 must", "--records must", StringComparison.Ordinal), line);
        Assert.EndsWith("--help').", line);
    }

    [Fact]
    public void Gateways_are_repeated_or_comma_separated_and_never_swallow_the_user_argument()
    {
        var parse = KgrainsCli.Parse("query", "--gateway", "30000,30001", "--gateway", "30002", "user-000042");

        Assert.Empty(parse.Errors);
        Assert.Equal([30000, 30001, 30002], parse.GetValue(CommonOptions.Gateway)!);
        Assert.Equal(["user-000042"], parse.GetValue<string[]>("user")!);
    }

    [Theory]
    [InlineData("sessions", "user-1", "user-2")]
    [InlineData("per-minute", "view", "purchase")]
    public void Query_sessions_and_per_minute_are_subcommands_and_take_the_gateway_before_or_after_them(string subcommand, string first, string second)
    {
        foreach (var args in new[] { new[] { "query", subcommand, "--gateway", "30001", first, second }, ["query", "--gateway", "30001", subcommand, first, second] })
        {
            var parse = KgrainsCli.Parse(args);

            Assert.Empty(parse.Errors);
            Assert.Equal(subcommand, parse.CommandResult.Command.Name);
            Assert.Equal([30001], parse.GetValue(CommonOptions.Gateway)!);
            Assert.Equal([first, second], parse.GetValue<string[]>(subcommand == "sessions" ? "user" : "type")!);
        }
    }

    [Fact]
    public void A_user_named_like_a_subcommand_is_queried_after_a_double_dash()
    {
        var parse = KgrainsCli.Parse("query", "--", "sessions");

        Assert.Empty(parse.Errors);
        Assert.Equal("query", parse.CommandResult.Command.Name);
        Assert.Equal(["sessions"], parse.GetValue<string[]>("user")!);
    }

    [Theory]
    [InlineData("create-stream")]
    [InlineData("produce")]
    [InlineData("status")]
    [InlineData("verify")]
    [InlineData("verify", "--windows")]
    [InlineData("query", "user-1")]
    [InlineData("query", "sessions", "user-1")]
    [InlineData("query", "per-minute", "view")]
    public void Every_command_takes_json(params string[] args)
    {
        var parse = KgrainsCli.Parse([.. args, "--json"]);

        Assert.Empty(parse.Errors);
        Assert.True(parse.GetValue(CommonOptions.Json));
    }

    [Fact]
    public void Json_may_also_come_before_the_command()
    {
        var parse = KgrainsCli.Parse("--json", "status", "--silo", "http://127.0.0.1:8080");

        Assert.Empty(parse.Errors);
        Assert.True(parse.GetValue(CommonOptions.Json));
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var (exitCode, stdout, _) = await RunAsync("--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("create-stream", stdout);
        Assert.Contains("2 usage error", stdout);
    }

    [Fact]
    public async Task An_unreachable_silo_is_a_runtime_error_in_one_sentence()
    {
        var port = KgrainsProcess.FreePort();

        var (exitCode, _, stderr) = await RunAsync("status", "--silo", $"http://127.0.0.1:{port}", "--json");

        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Equal($"error: cannot reach the silo at http://127.0.0.1:{port}/status: Connection refused (127.0.0.1:{port})", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task No_gateway_listening_is_a_runtime_error_in_one_sentence()
    {
        var port = KgrainsProcess.FreePort();

        var (exitCode, _, stderr) = await RunAsync("query", "--gateway", port.ToString(), "user-1");

        Assert.Equal(ExitCodes.RuntimeError, exitCode);
        Assert.Contains($"no Orleans gateway listens on 127.0.0.1:{port}", Assert.Single(Lines(stderr)));
    }

    [Fact]
    public async Task A_bad_environment_fallback_is_a_usage_error_too()
    {
        // A process of its own: the variable must not leak into the other tests.
        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(
            ["status"], Path.GetTempPath(), TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["SILO_URL"] = "localhost:8080" });

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal("", stdout);
        Assert.Equal("error: $SILO_URL must be an absolute http or https URL such as http://127.0.0.1:8080, not 'localhost:8080'.", Assert.Single(Lines(stderr)));
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
