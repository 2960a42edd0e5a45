using KinesisGrains.Abstractions.Windows;

namespace KinesisGrains.Cli.Output;

/// <summary>Event-time windows as people read them: UTC times in ISO 8601, and where a window stands.</summary>
internal static class WindowText
{
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>open (collecting), fired (its result is out; late events still update it) or closed (final).</summary>
    public static string State<T>(WindowResult<T> window) => window.Closed ? "closed" : window.Fired ? "fired" : "open";

    /// <summary>The newest <paramref name="last"/> windows (all for 0), oldest first.</summary>
    public static WindowResult<T>[] Newest<T>(WindowResult<T>[] windows, int last) =>
        last > 0 && last < windows.Length ? windows[^last..] : windows;
}
