using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KinesisGrains.Benchmarks.State;

/// <summary>
/// RocksDB's own db_bench, a second and familiar yardstick where it is installed (Debian: rocksdb-tools). Debian builds
/// it and its library with assertions on ("benchmarks unnecessarily slow"), and on another RocksDB release than the
/// package's, so <see cref="MergeLoop"/> is the fair one.
/// </summary>
internal static partial class DbBench
{
    /// <summary>Whether db_bench is on the PATH.</summary>
    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "db_bench")));

    public static double Run(string benchmark, long num, long mergeKeys, string directory)
    {
        var arguments = string.Join(' ',
            $"--benchmarks={benchmark}",
            $"--num={num}",
            $"--merge_keys={mergeKeys}",
            "--key_size=16",
            "--value_size=8",
            "--merge_operator=uint64add",
            "--disable_wal=1",
            "--compression_type=lz4",
            "--bloom_bits=10",
            "--cache_size=268435456",
            "--write_buffer_size=67108864",
            "--max_background_jobs=2",
            "--seed=42",
            $"--db={directory}");
        var startInfo = new ProcessStartInfo("db_bench", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("db_bench did not start");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        var match = ResultLine().Matches(output).FirstOrDefault(m => m.Groups[1].Value == benchmark)
            ?? throw new InvalidOperationException($"db_bench printed no {benchmark} result:\n{output}");
        return double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
    }

    public static string Command(string benchmark, long num, long mergeKeys) =>
        $"db_bench --benchmarks={benchmark} --num={num} --merge_keys={mergeKeys} --key_size=16 --value_size=8 --merge_operator=uint64add --disable_wal=1 --compression_type=lz4 --bloom_bits=10 --cache_size=268435456 --write_buffer_size=67108864 --max_background_jobs=2";

    [GeneratedRegex(@"^(\w+)\s*:\s*[\d.]+ micros/op (\d+) ops/sec", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
