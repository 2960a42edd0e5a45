using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Cli.Clickstream;

/// <summary>What <see cref="WindowTotals"/> found.</summary>
public sealed class WindowCheck
{
    public List<string> Mismatches { get; } = [];

    /// <summary>A key holds more than the truth: waiting cannot mend that.</summary>
    public bool OverCounted { get; private set; }

    /// <summary>Keys left out because their grain may have dropped older windows.</summary>
    public int Skipped { get; private set; }

    public long Sessions { get; set; }

    public long Minutes { get; set; }

    public int Types { get; set; }

    internal void Add(string key, WindowResult<long>[] windows, long events, long? bytes, int closedKept, string? problem)
    {
        var counted = windows.Sum(w => w.Events);
        if (windows.Count(w => w.Closed) >= closedKept && counted <= events)
        {
            Skipped++;
            return;
        }

        var differences = new List<string>();
        if (counted != events)
        {
            differences.Add($"events {counted} != {events}");
            OverCounted |= counted > events;
        }

        if (bytes is { } want && windows.Sum(w => w.Value) is var got && got != want)
        {
            differences.Add($"bytes {got} != {want}");
        }

        if (problem is not null)
        {
            differences.Add(problem);
        }

        if (differences.Count > 0)
        {
            Mismatches.Add($"{key}: {string.Join(", ", differences)}");
        }
    }
}
