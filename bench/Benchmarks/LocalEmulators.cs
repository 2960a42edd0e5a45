using System.Diagnostics;

namespace KinesisGrains.Benchmarks;

/// <summary>Local emulators (kinesalite, dynalite, s3rver) through tools/emulators/emulators.sh, in a fresh state folder; stopped on dispose.</summary>
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

    public Uri DynamoDB => new(_endpoints["DYNAMODB_ENDPOINT"]);

    /// <summary>kinesis-local (enhanced fan-out, resharding), beside or instead of kinesalite.</summary>
    public Uri KinesisLocal => new(_endpoints["KINESIS_LOCAL_ENDPOINT"]);

    public Uri S3 => new(_endpoints["S3_ENDPOINT"]);

    /// <summary>CPU seconds the emulators' node processes have used so far (user + system, from /proc; 0 where it is not Linux).</summary>
    public double CpuSeconds()
    {
        var total = 0.0;
        foreach (var pidFile in Directory.GetFiles(_state, "*.pid"))
        {
            var stat = $"/proc/{File.ReadAllText(pidFile).Trim()}/stat";
            if (!File.Exists(stat))
            {
                continue;
            }

            // After "pid (comm) ": state is field 3, utime and stime fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
            var text = File.ReadAllText(stat);
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            total += (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
        }

        return total;
    }

    /// <param name="emulators">Names as emulators.sh knows them: kinesalite, dynalite, s3rver.</param>
    /// <summary>Creates <paramref name="bucket"/> in s3rver unless it is there already.</summary>
    public static async Task EnsureBucketAsync(Amazon.S3.IAmazonS3 client, string bucket)
    {
        try
        {
            await client.PutBucketAsync(bucket);
        }
        catch (Amazon.S3.AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    public static LocalEmulators Start(params string[] emulators) => Start(new Dictionary<string, string>(), emulators);

    /// <param name="environment">Settings of emulators.sh, e.g. KINESIS_LOCAL_PUSH_INTERVAL_MS.</param>
    public static LocalEmulators Start(IReadOnlyDictionary<string, string> environment, params string[] emulators)
    {
        var script = Path.Combine(RepositoryRoot.Path, "tools", "emulators", "emulators.sh");
        var state = Path.Combine(Path.GetTempPath(), "kgrains-bench-emulators-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(state);
        var (exitCode, output) = Run(script, ["start", state, .. emulators], environment);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"emulators.sh start failed ({exitCode}; ./setup.sh installs them):\n{output}");
        }

        var endpoints = File.ReadAllLines(Path.Combine(state, "endpoints.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        return new LocalEmulators(script, state, endpoints);
    }

    public void Dispose()
    {
        Run(_script, ["stop", _state]);
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int ExitCode, string Output) Run(string script, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

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
