using System.Diagnostics;
using System.Text.Json;
using KinesisGrains.Testing;
using Xunit;

namespace KinesisGrains.Tests.Emulators;

/// <summary>
/// kinesalite as the tests run it (tools/emulators/serve.js, with kinesalite-fixes.js): a reader polling an empty shard
/// when the stream's first PutRecords lands still gets that put's record. Unfixed, an empty GetRecords between the put's
/// sequence numbers and its write, in a later second, returned an iterator past the record for good: a 4-shard
/// stream's first record of shard 3 was never read (PartitionPlacementTests lost user-000088's first event so).
/// </summary>
public sealed class KinesaliteEmptyReadTests
{
    [Fact]
    public async Task An_empty_read_racing_the_first_put_leaves_its_iterator_before_the_record()
    {
        var result = await RunAsync();

        Assert.Equal(0, result.Empty);   // the read raced the put (found nothing)
        Assert.Equal(1, result.Fresh);   // the record is in the shard
        Assert.Equal(1, result.Followed);
    }

    private static async Task<RaceResult> RunAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Emulators", "kinesalite-empty-read.js");
        var startInfo = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(script);
        startInfo.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tools", "emulators"));
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node {script} exited with {process.ExitCode}:\n{await stderr}");
        return JsonSerializer.Deserialize<RaceResult>(await stdout, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    /// <param name="Empty">Records the read racing the put got.</param>
    /// <param name="Followed">Records the read after it, through its iterator, got.</param>
    /// <param name="Fresh">Records a new TRIM_HORIZON iterator gets.</param>
    private sealed record RaceResult(int Empty, int Followed, int Fresh);
}
