using System.Diagnostics;

namespace KinesisGrains.Benchmarks.Receiver;

/// <summary>kinesalite and dynalite through tools/emulators/emulators.sh, in a fresh state folder; stopped on dispose.</summary>
internal sealed class LocalEmulators : IDisposable
{
    private readonly string _script;
    private readonly string _state;
    private readonly Dictionary<string, string> _endpoints;

    private LocalEmulators(string script, string state, Dictionary<string, string> endpoints)
    {
        _script = script;
        _state = state;
        _endpoints = endpoints;
    }

    public Uri Kinesis => new(_endpoints["KINESIS_ENDPOINT"]);

    public Uri DynamoDb => new(_endpoints["DYNAMODB_ENDPOINT"]);

    public static LocalEmulators Start(string repositoryRoot)
    {
        var script = Path.Combine(repositoryRoot, "tools", "emulators", "emulators.sh");
        var state = Path.Combine(Path.GetTempPath(), "kgrains-receiver-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(state);
        var (exitCode, output) = Run(script, "start", state, "kinesalite", "dynalite");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"emulators.sh start failed ({exitCode}):\n{output}");
        }

        var endpoints = File.ReadAllLines(Path.Combine(state, "endpoints.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new LocalEmulators(script, state, endpoints);
    }

    public void Dispose()
    {
        Run(_script, "stop", _state);
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int ExitCode, string Output) Run(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
