using System.Diagnostics;

namespace KinesisGrains.MultiProcess;

/// <summary>The kgrains tool (copied next to the tests), run as its own process.</summary>
internal static class KgrainsTool
{
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
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            return (-1, "timed out after 90 s: " + await stdout, await stderr);
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
