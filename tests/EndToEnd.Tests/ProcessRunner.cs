using System.Diagnostics;

namespace KinesisGrains.Tests;

/// <summary>Runs one of the project's executables (copied next to the tests) as a real process, with a time limit.</summary>
internal static class ProcessRunner
{
    /// <summary>Starts <c>dotnet {assembly} {arguments}</c> with stdout and stderr redirected.</summary>
    public static Process Start(string assembly, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return Process.Start(startInfo)!;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string assembly, IEnumerable<string> arguments, TimeSpan timeout)
    {
        using var process = Start(assembly, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} did not exit within {timeout}: it hangs. Output so far: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
