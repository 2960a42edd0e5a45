using System.Diagnostics;

namespace KinesisGrains.Testing;

/// <summary>
/// Real emulators (kinesalite, kinesis-local, dynalite, s3rver) started through tools/emulators/emulators.sh on free
/// ports of 127.0.0.1 with fresh data folders; stopped on dispose.
/// </summary>
public sealed class EmulatorEnvironment : IDisposable
{
    private readonly string _stateDirectory;
    private readonly Dictionary<string, string> _endpoints;

    private EmulatorEnvironment(string stateDirectory, Dictionary<string, string> endpoints)
    {
        _stateDirectory = stateDirectory;
        _endpoints = endpoints;
    }

    /// <summary>kinesalite, the fast Kinesis emulator.</summary>
    public Uri Kinesis => Endpoint("KINESIS_ENDPOINT");

    /// <summary>kinesis-local (kinesis-mock): slower, but with resharding, ChildShards and UpdateShardCount.</summary>
    public Uri KinesisLocal => Endpoint("KINESIS_LOCAL_ENDPOINT");

    public Uri DynamoDB => Endpoint("DYNAMODB_ENDPOINT");

    public Uri S3 => Endpoint("S3_ENDPOINT");

    public string StateDirectory => _stateDirectory;

    public static EmulatorEnvironment Start(params string[] emulators)
    {
        var state = Path.Combine(Path.GetTempPath(), "kgrains-emulators", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(state);
        var (exitCode, output) = RunScript(["start", state, .. emulators]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"emulators.sh start failed ({exitCode}):\n{output}");
        }

        var endpoints = File.ReadAllLines(Path.Combine(state, "endpoints.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new EmulatorEnvironment(state, endpoints);
    }

    /// <summary>Stops one emulator's process (to test behaviour when a service is down).</summary>
    public void Kill(string emulator)
    {
        var pidFile = Path.Combine(_stateDirectory, emulator + ".pid");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        RunScript(["stop", _stateDirectory]);
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Uri Endpoint(string name) =>
        _endpoints.TryGetValue(name, out var value)
            ? new Uri(value)
            : throw new InvalidOperationException($"{name} was not started; pass its emulator to Start(...)");

    private static (int ExitCode, string Output) RunScript(string[] arguments)
    {
        var startInfo = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(RepositoryPaths.EmulatorsScript);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
