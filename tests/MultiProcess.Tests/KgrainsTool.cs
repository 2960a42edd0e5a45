using System.Diagnostics;

namespace KinesisGrains.MultiProcess;

/// <summary>The kgrains tool (copied next to the tests), run as its own process.</summary>
internal static class KgrainsTool
{
    /// <summary>
    /// A live rescale waits for every partition's hand-over (48 partitions of 3 states here), then cuts and uploads:
    /// on CI's busy 2 cores with another test's silos beside it, that took more than 90 s.
    /// </summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>Runs it and returns its exit code, its stdout, and its stderr (a failover may log warnings there).</summary>
    /// <param name="environment">More environment variables: credentials, a crash point.</param>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(
        IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kgrains.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return (-1, $"timed out after {Limit.TotalSeconds:F0} s: " + await stdout, await stderr);
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
