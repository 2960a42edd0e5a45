namespace KinesisGrains.Silo.Configuration;

/// <summary>
/// The silo's web dashboards (section <c>Dashboard</c>): the Orleans Dashboard at <c>/dashboard</c> and the
/// streaming page at <c>/dashboard/streaming</c>.
/// </summary>
public sealed class DashboardSettings
{
    /// <summary>Hosts both dashboards on the silo's HTTP URL; off, neither is served (nor the grain-call profiler run).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the Orleans Dashboard samples its counters (at least 1 s, its own floor).</summary>
    public TimeSpan CounterUpdateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Turns off the Orleans Dashboard's live log stream (<c>/dashboard/Trace</c>).</summary>
    public bool HideTrace { get; set; }

    public IEnumerable<string> Validate()
    {
        if (CounterUpdateInterval < TimeSpan.FromSeconds(1))
        {
            yield return $"Dashboard:CounterUpdateInterval must be at least 00:00:01; it is {CounterUpdateInterval}.";
        }
    }
}
