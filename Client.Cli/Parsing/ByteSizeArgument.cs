using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace KinesisGrains.Cli.Parsing;

/// <summary>A size in bytes; shown as <c>100MiB</c> (in help's defaults too).</summary>
internal readonly record struct ByteSize(long Bytes)
{
    public override string ToString() => ByteSizeArgument.Format(Bytes).Replace(" ", "", StringComparison.Ordinal);
}

/// <summary>Sizes in bytes, or with a unit: <c>128MiB</c>, <c>1GiB</c>, <c>512KiB</c> (powers of 1024), <c>100MB</c> (powers of 1000).</summary>
internal static partial class ByteSizeArgument
{
    public static bool TryParse(string value, out long bytes)
    {
        bytes = 0;
        var match = Size().Match(value.Trim());
        if (!match.Success)
        {
            return false;
        }

        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var scale = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1d,
            "KIB" => 1L << 10,
            "MIB" => 1L << 20,
            "GIB" => 1L << 30,
            "TIB" => 1L << 40,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            _ => 1e12,
        };
        var total = Math.Round(number * scale);
        if (total > long.MaxValue / 2)
        {
            return false;
        }

        bytes = (long)total;
        return true;
    }

    /// <summary>The <see cref="System.CommandLine.Option{T}.CustomParser"/> of size options.</summary>
    public static ByteSize Parse(ArgumentResult result)
    {
        var value = string.Join(' ', result.Tokens.Select(t => t.Value));
        if (TryParse(value, out var bytes))
        {
            return new ByteSize(bytes);
        }

        result.AddError($"{UrlArgument.SymbolName(result)} must be a size such as 128MiB, 1GiB or 134217728 (bytes), not '{value}'.");
        return default;
    }

    /// <summary>"1.5 MiB", "812 B": for people; JSON carries exact bytes.</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)\s*(?<unit>B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Size();
}
