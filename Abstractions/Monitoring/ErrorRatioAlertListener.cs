using KinesisGrains.Abstractions.Diagnostics;
using Microsoft.Extensions.Logging;

namespace KinesisGrains.Abstractions.Monitoring;

/// <summary>
/// An example listener (seed 001's alert): when an observed error count over an observed record count passes a
/// ratio in a batch, it logs a warning, raises <see cref="Alerted"/> and counts <c>kgrains.alerts</c>.
/// </summary>
/// <example>
/// <code>
/// silo.Observe&lt;ClickEvent&gt;("rc", o =&gt; o.Count())
///     .Observe&lt;ClickEvent&gt;("erc", o =&gt; o.CountWhere(e =&gt; e.Type == "error"))
///     .AddStreamingQueryListener&lt;ErrorRatioAlertListener&gt;();   // erc / rc &gt; 5 %
/// </code>
/// </example>
internal sealed partial class ErrorRatioAlertListener(
    ILogger<ErrorRatioAlertListener> logger, string errorMetric = "erc", string totalMetric = "rc", double threshold = 0.05) : IStreamingQueryListener
{
    /// <summary>Raised on the listener's background task for each batch above the threshold.</summary>
    public event EventHandler<ErrorRatioAlert>? Alerted;

    public void OnQueryProgress(QueryProgressEvent queryProgress)
    {
        var progress = queryProgress.Progress;
        if (progress.ObservedMetrics.GetValueOrDefault(errorMetric) is not { } errors
            || progress.ObservedMetrics.GetValueOrDefault(totalMetric) is not { } total
            || total <= 0)
        {
            return;
        }

        var ratio = errors / total;
        if (ratio <= threshold)
        {
            return;
        }

        LogAlert(logger, progress.BatchId, errorMetric, errors, totalMetric, total, ratio * 100, threshold * 100);
        AbstractionsMetrics.Alerts.Add(1, new KeyValuePair<string, object?>("metric", errorMetric));
        Alerted?.Invoke(this, new ErrorRatioAlert(progress.BatchId, progress.Timestamp, errors, total, ratio));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {BatchId}: {ErrorMetric} {Errors} of {TotalMetric} {Total} is {Percent:F1} %, above {Threshold:F1} %")]
    private static partial void LogAlert(ILogger logger, long batchId, string errorMetric, double errors, string totalMetric, double total, double percent, double threshold);
}

/// <summary>A batch whose error ratio passed the threshold.</summary>
internal sealed record ErrorRatioAlert(long BatchId, DateTimeOffset Timestamp, double Errors, double Total, double Ratio);
