using System.Text.Json;
using KinesisGrains.Kinesis.Client;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary><c>kgrains consumer list</c> and <c>deregister</c> as a process, against kinesis-local (the emulator with enhanced fan-out).</summary>
public sealed class ConsumerCommandTests : IDisposable
{
    private static readonly TimeSpan s_limit = TimeSpan.FromMinutes(1);
    private readonly EmulatorEnvironment _emulators = EmulatorEnvironment.Start("kinesis-local");
    private readonly TempDirectory _work = new("kgrains-consumer");

    [Fact]
    public async Task List_shows_the_consumers_and_deregister_removes_one_by_name()
    {
        using var kinesis = new KinesisClient(new KinesisClientOptions { ServiceUrl = _emulators.KinesisLocal, AccessKeyId = "local", SecretAccessKey = "local" });
        var stream = "efo-cli-" + Guid.NewGuid().ToString("N")[..8];
        await kinesis.CreateStreamAsync(stream, 1);
        var streamArn = (await kinesis.WaitForStreamActiveAsync(stream, TimeSpan.FromSeconds(30))).StreamArn;
        var kept = await kinesis.RegisterStreamConsumerAsync(streamArn, "analytics");
        var dropped = await kinesis.RegisterStreamConsumerAsync(streamArn, "app-old");
        await kinesis.WaitForConsumerActiveAsync(dropped.ConsumerArn, TimeSpan.FromSeconds(30));
        string[] common = ["--kinesis-url", _emulators.KinesisLocal.ToString(), "--stream", stream];

        var list = await RunAsync(["--json", "consumer", "list", .. common]);
        var deregister = await RunAsync(["consumer", "deregister", .. common, "--name", "app-old"]);
        var missing = await KgrainsProcess.RunAsync(["consumer", "deregister", .. common, "--name", "nobody"], _work.Path, s_limit);
        var afterwards = await kinesis.ListStreamConsumersAsync(streamArn);

        using var json = JsonDocument.Parse(list);
        Assert.Equal(["analytics", "app-old"], json.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(kept.ConsumerArn, json.RootElement[0].GetProperty("arn").GetString());
        Assert.Contains("Consumer 'app-old' of stream", deregister);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("has no consumer named 'nobody'", missing.Stderr);
        Assert.DoesNotContain(afterwards, c => c.ConsumerName == "app-old" && c.Status != ConsumerStatus.Deleting);
        Assert.Contains(afterwards, c => c.ConsumerName == "analytics");
    }

    public void Dispose()
    {
        _emulators.Dispose();
        _work.Dispose();
    }

    private async Task<string> RunAsync(string[] arguments)
    {
        var (exitCode, stdout, stderr) = await KgrainsProcess.RunAsync(arguments, _work.Path, s_limit);
        Assert.True(exitCode == 0, $"kgrains {string.Join(' ', arguments)} exited {exitCode}: {stderr}{stdout}");
        return stdout;
    }
}
