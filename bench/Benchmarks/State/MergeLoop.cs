using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NativeImport;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// The state benchmark's yardstick: State/merge_loop.c, compiled with gcc at run time and run on the very RocksDB
/// library the managed side loaded (the RocksDB package's), so both sides measure the same RocksDB build doing the
/// same work.
/// </summary>
internal static partial class MergeLoop
{
    public const int BatchSize = 1_000;
    public const long CacheBytes = 256L * 1024 * 1024;

    /// <summary>The library RocksDbSharp loaded; call after the managed runs, which load it.</summary>
    public static string Library()
    {
        var loaded = Auto.LoadedPath;
        if (loaded is not null && Path.IsPathRooted(loaded) && File.Exists(loaded))
        {
            return loaded;
        }

        var bundled = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "librocksdb.so");
        return File.Exists(bundled)
            ? bundled
            : throw new FileNotFoundException($"RocksDbSharp loaded '{loaded}', and there is no {bundled}.");
    }

    /// <summary>Compiles merge_loop.c (copied next to the benchmark) into <paramref name="directory"/>.</summary>
    /// <returns>The executable.</returns>
    public static string Compile(string directory)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "State", "merge_loop.c");
        var executable = Path.Combine(directory, "merge_loop");
        var (exitCode, output) = Run("gcc", ["-O2", "-std=c11", "-Wall", "-Wextra", "-o", executable, source, "-ldl"],
            "gcc did not start: the yardstick needs a C compiler (Debian: apt-get install gcc)");
        return exitCode == 0 ? executable : throw new InvalidOperationException($"gcc failed on {source}:\n{output}");
    }

    /// <param name="mode">"merge" (uint64add counters) or "put".</param>
    /// <returns>Operations per second.</returns>
    public static double Run(string executable, string library, string mode, long keys, long ops, string dbDirectory)
    {
        var (exitCode, output) = Run(executable, Arguments(library, dbDirectory, mode, keys, ops), $"{executable} did not start");
        var match = ResultLine().Match(output);
        if (exitCode != 0 || !match.Success)
        {
            throw new InvalidOperationException($"merge_loop {mode} failed (exit code {exitCode}):\n{output}");
        }

        Console.WriteLine(match.Value);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static string Command(string mode, long keys, long ops) =>
        "merge_loop " + string.Join(' ', Arguments("LIBRARY", "DB", mode, keys, ops));

    private static string[] Arguments(string library, string dbDirectory, string mode, long keys, long ops) =>
    [
        library,
        dbDirectory,
        mode,
        keys.ToString(CultureInfo.InvariantCulture),
        ops.ToString(CultureInfo.InvariantCulture),
        BatchSize.ToString(CultureInfo.InvariantCulture),
        CacheBytes.ToString(CultureInfo.InvariantCulture),
    ];

    private static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, string notStarted)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process? started;
        try
        {
            started = Process.Start(startInfo);
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(notStarted, e);
        }

        using var process = started ?? throw new InvalidOperationException(notStarted);
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [GeneratedRegex(@"^merge_loop .*?([\d.]+) ops/s$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
