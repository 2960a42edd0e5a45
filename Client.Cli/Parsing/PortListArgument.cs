using System.CommandLine.Parsing;

namespace KinesisGrains.Cli.Parsing;

/// <summary>Gateway ports, repeated (<c>--gateway 30000 30001</c>) or comma-separated (<c>--gateway 30000,30001</c>, as in $SILO_GATEWAY).</summary>
internal static class PortListArgument
{
    public static bool TryParse(IEnumerable<string> values, out int[] ports, out string? bad)
    {
        var list = new List<int>();
        foreach (var part in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                (ports, bad) = ([], part);
                return false;
            }

            list.Add(port);
        }

        (ports, bad) = ([.. list], list.Count == 0 ? "" : null);
        return list.Count > 0;
    }

    public static int[] Parse(ArgumentResult result)
    {
        if (TryParse(result.Tokens.Select(t => t.Value), out var ports, out var bad))
        {
            return ports;
        }

        result.AddError($"{UrlArgument.SymbolName(result)} takes TCP ports from 1 to 65535 (repeated or comma-separated), not '{bad}'.");
        return [];
    }

    public static int[] FromEnvironment(string variable, int fallback)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return [fallback];
        }

        return TryParse([value], out var ports, out var bad)
            ? ports
            : throw CliException.Usage($"${variable} must list TCP ports from 1 to 65535, comma-separated, not '{bad}'.");
    }
}
