using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// One silo of a multi-process cluster: its own ports and data folder, kept across restarts (so a restarted silo is
/// the same lease owner); each run's stdout and stderr go to a log file that outlives the run. Also used by the
/// cluster benchmark (bench/Benchmarks/Cluster).
/// </summary>
/// <param name="siloAssembly">The silo to run: the Release build of Silo/ (KinesisGrains.Silo.dll).</param>
internal sealed partial class SiloProcess(string name, string siloAssembly, string dataDirectory, string logDirectory) : IDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Lock _lock = new();
    private Process? _process;
    private StreamWriter? _log;
    private int _runs;
    private volatile bool _paused;

    public string Name { get; } = name;

    public string DataDirectory { get; } = dataDirectory;

    public int SiloPort { get; } = FreePort();

    public int GatewayPort { get; } = FreePort();

    public int HttpPort { get; } = FreePort();

    public Uri HttpUrl => new($"http://127.0.0.1:{HttpPort}");

    public bool IsRunning
    {
        get
        {
            // Read once: a restart replaces and disposes the process while the test's watchers poll this.
            var process = _process;
            try
            {
                return process is { HasExited: false };
            }
            catch (InvalidOperationException)
            {
                // Disposed by that restart: "No process is associated with this object".
                return false;
            }
        }
    }

    /// <summary>SIGSTOPped by <see cref="Pause"/> and not yet resumed: the process exists but runs nothing.</summary>
    public bool IsPaused => _paused;

    /// <summary>The exit code of the last run, once it has exited.</summary>
    public int? ExitCode => _process is { HasExited: true } process ? process.ExitCode : null;

    public int? ProcessId => _process?.Id;

    public string? CurrentLog { get; private set; }

    public IReadOnlyList<string> Logs => Directory.Exists(logDirectory)
        ? [.. Directory.EnumerateFiles(logDirectory, Name + ".run-*.log").Order(StringComparer.Ordinal)]
        : [];

    /// <summary>The settings that make this silo this slot (ports, data folder), on top of the cluster's.</summary>
    public IEnumerable<KeyValuePair<string, string>> OwnSettings =>
    [
        new("Silo:DataDirectory", DataDirectory),
        new("Silo:SiloPort", SiloPort.ToString()),
        new("Silo:GatewayPort", GatewayPort.ToString()),
        new("Silo:HttpUrl", HttpUrl.ToString().TrimEnd('/')),
    ];

    /// <summary>Environment variables of the next starts (e.g. <c>KGRAINS_CRASH_AT</c>).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts <c>dotnet Silo.dll --Key=Value ...</c> and waits until its /health answers.</summary>
    public async Task StartAsync(IEnumerable<KeyValuePair<string, string>> settings, TimeSpan timeout)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running already.");
        }

        var previous = _process;
        _process = null;
        previous?.Dispose();
        Directory.CreateDirectory(logDirectory);
        _runs++;
        CurrentLog = System.IO.Path.Combine(logDirectory, $"{Name}.run-{_runs:D2}.log");
        _log = new StreamWriter(CurrentLog) { AutoFlush = true };
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(siloAssembly);
        foreach (var (key, value) in settings.Concat(OwnSettings))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        Directory.CreateDirectory(DataDirectory);
        var process = new Process { StartInfo = start };
        var log = _log;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {process.ExitCode} while starting:\n{Tail(40)}");
            }

            try
            {
                if ((await s_http.GetAsync(new Uri(HttpUrl, "/health"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not answer /health within {timeout}:\n{Tail(40)}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: the process dies at once, announcing nothing (a crash, a lost machine).</summary>
    public void Kill()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        process.Kill(entireProcessTree: false);
        process.WaitForExit(10_000);
        _paused = false;
        Write(_log, $"=== test: SIGKILL at {DateTimeOffset.UtcNow:O}");
    }

    /// <summary>SIGSTOP: the process freezes (a long GC pause, a VM stall), holding its sockets and leases, until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        if (SendSignal(process.Id, Sigstop) != 0)
        {
            throw new InvalidOperationException($"SIGSTOP to {Name} (pid {process.Id}) failed.");
        }

        _paused = true;
        Write(_log, $"=== test: SIGSTOP at {DateTimeOffset.UtcNow:O}");
    }

    /// <summary>SIGCONT: a paused process runs on from where it stopped, unaware of the time that passed (a zombie).</summary>
    public void Resume()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} was never started.");
        Write(_log, $"=== test: SIGCONT at {DateTimeOffset.UtcNow:O}");
        _ = SendSignal(process.Id, Sigcont);
        _paused = false;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit by itself; true when it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return true;
        }

        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            Write(_log, $"=== test: exited by itself with code {process.ExitCode} at {DateTimeOffset.UtcNow:O}");
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM: a graceful stop (final checkpoints, leases released, grains deactivated); waits for the exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        if (_paused)
        {
            Resume();
        }

        Write(_log, $"=== test: SIGTERM at {DateTimeOffset.UtcNow:O}");
        _ = SendSignal(process.Id, Sigterm);
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            Write(_log, "=== test: did not stop in time; killed");
        }
    }

    /// <summary>The silo's <c>/status</c> document, or null while it does not answer.</summary>
    public async Task<JsonElement?> StatusAsync()
    {
        if (_paused || !IsRunning)
        {
            return null;
        }

        try
        {
            using var response = await s_http.GetAsync(new Uri(HttpUrl, "/status"));
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The last lines of this silo's current log.</summary>
    public string Tail(int lines)
    {
        if (CurrentLog is null || !File.Exists(CurrentLog))
        {
            return "(no log)";
        }

        using var stream = new FileStream(CurrentLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var all = new StreamReader(stream).ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public void Dispose()
    {
        if (IsRunning)
        {
            _process!.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _log?.Dispose();
    }

    private void Write(StreamWriter? log, string? line)
    {
        if (log is null || line is null)
        {
            return;
        }

        lock (_lock)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private const int Sigterm = 15;

    // Linux numbers (x64 and arm64).
    private const int Sigcont = 18;
    private const int Sigstop = 19;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
