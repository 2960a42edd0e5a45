using System.Collections.Concurrent;
using System.Diagnostics;

namespace KinesisGrains.Abstractions.Diagnostics;

/// <summary>
/// For tests of exactly-once: named moments where the process kills itself (SIGKILL, nothing flushed) when the
/// environment variable <c>KGRAINS_CRASH_AT</c> names them, so a test can hit a moment that random kills rarely hit,
/// such as between a sink's file upload and its commit. <c>name</c> crashes the first time the point is reached,
/// <c>name@N</c> the N-th time; several are separated by commas. Unset (always, outside tests) it costs one field read.
/// </summary>
internal static class CrashPoints
{
    public const string EnvironmentVariable = "KGRAINS_CRASH_AT";

    /// <summary>A sink uploaded an epoch's files and has not committed them to its log.</summary>
    public const string SinkAfterUpload = "sink.after-upload";

    /// <summary>Every sink committed an epoch of a partition, whose staged rows are not deleted yet.</summary>
    public const string SinkAfterCommit = "sink.after-commit";

    /// <summary>A rescale uploaded a new partition's snapshot (not committed: the old partitions are still the application's).</summary>
    public const string RescaleAfterUpload = "rescale.after-upload";

    /// <summary>A rescale recorded itself as pending and set a new partition's pointer to its snapshot (half of them, say).</summary>
    public const string RescaleAfterPointer = "rescale.after-pointer";

    /// <summary>A live rescale switched the pointers and the count, before the silos take the count and the input resumes.</summary>
    public const string LiveRescaleSwitched = "rescale.live-switched";

    private static readonly Dictionary<string, int>? s_armed = Parse(Environment.GetEnvironmentVariable(EnvironmentVariable));
    private static readonly ConcurrentDictionary<string, int> s_reached = new(StringComparer.Ordinal);

    /// <summary>Kills the process if this is the armed time <paramref name="name"/> is reached.</summary>
    public static void Reach(string name)
    {
        if (s_armed is null || !s_armed.TryGetValue(name, out var at))
        {
            return;
        }

        if (s_reached.AddOrUpdate(name, 1, static (_, n) => n + 1) == at)
        {
            Console.Error.WriteLine($"{EnvironmentVariable}: crashing at {name} (time {at})");
            Process.GetCurrentProcess().Kill();
        }
    }

    private static Dictionary<string, int>? Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            return null;
        }

        var armed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in setting.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = item.IndexOf('@');
            armed[at < 0 ? item : item[..at]] = at < 0 ? 1 : int.Parse(item[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }

        return armed;
    }
}
