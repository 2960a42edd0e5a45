using System.Globalization;
using System.CommandLine.Parsing;
using System.Text;
using System.Text.RegularExpressions;

namespace KinesisGrains.Cli.Parsing;

/// <summary>A duration; shown as <c>168h</c> (in help's defaults too).</summary>
internal readonly record struct Duration(TimeSpan Value)
{
    public override string ToString() => DurationArgument.Format(Value);
}

/// <summary>Durations as people write them: <c>168h</c>, <c>7d</c>, <c>90m</c>, <c>1h30m</c>, <c>45s</c> (units d, h, m, s, ms).</summary>
internal static partial class DurationArgument
{
    public const string Examples = "168h, 7d or 90m";

    public static bool TryParse(string value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var text = value.Trim();
        if (text == "0")
        {
            return true;
        }

        if (!Whole().IsMatch(text))
        {
            return false;
        }

        double seconds = 0;
        foreach (Match part in Part().Matches(text))
        {
            var number = double.Parse(part.Groups["n"].Value, CultureInfo.InvariantCulture);
            seconds += number * part.Groups["unit"].Value switch
            {
                "d" => 86_400,
                "h" => 3_600,
                "m" => 60,
                "s" => 1,
                _ => 0.001,
            };
        }

        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>The <see cref="System.CommandLine.Option{T}.CustomParser"/> of duration options.</summary>
    public static Duration Parse(ArgumentResult result)
    {
        var value = string.Join(' ', result.Tokens.Select(t => t.Value));
        if (TryParse(value, out var duration))
        {
            return new Duration(duration);
        }

        result.AddError($"{UrlArgument.SymbolName(result)} must be a duration such as {Examples}, not '{value}'.");
        return default;
    }

    /// <summary>Hours, minutes and seconds as <see cref="TryParse"/> reads them back: <c>168h</c>, <c>1h30m</c>, <c>0h</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0h";
        }

        var text = new StringBuilder();
        var hours = (long)duration.TotalHours;
        if (hours > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (duration.Minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m");
        }

        var seconds = duration.Seconds + (duration.Milliseconds / 1000.0);
        if (seconds > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{seconds:0.###}s");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^(\d+(\.\d+)?(ms|d|h|m|s))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"(?<n>\d+(\.\d+)?)(?<unit>ms|d|h|m|s)")]
    private static partial Regex Part();
}
