using System.Diagnostics;

namespace KinesisGrains.Tests;

/// <summary>Runs the built <c>kgrains</c> as a real process, as a user's shell would, with none of its $ENV fallbacks set.</summary>
internal static class KgrainsProcess
{
    private static readonly string[] s_fallbacks = ["KINESIS_ENDPOINT", "SILO_URL", "SILO_GATEWAY", "SILO_CLUSTER_ID", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB"];

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kgrains.dll"));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in s_fallbacks)
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        using var process = Process.Start(startInfo)!;
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
            throw new TimeoutException($"kgrains {string.Join(' ', arguments)} did not exit within {timeout}. Output so far: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kgrains with s3rver's keys in its environment, asserts it succeeded, and returns its stdout.</summary>
    public static async Task<string> SucceedAsync(params string[] arguments)
    {
        using var directory = new Testing.TempDirectory();
        var (exitCode, stdout, stderr) = await RunAsync(arguments, directory.Path, TimeSpan.FromMinutes(2), Delta.DeltaTestTables.Credentials);
        Xunit.Assert.True(exitCode == Cli.ExitCodes.Success, $"kgrains {string.Join(' ', arguments)} exited {exitCode}: {stderr}{stdout}");
        return stdout;
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
