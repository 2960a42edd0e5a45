using System.CommandLine;
using System.CommandLine.Parsing;

namespace KinesisGrains.Cli.Parsing;

/// <summary>
/// Absolute http or https URLs for <c>--silo</c> and <c>--kinesis-url</c>: System.CommandLine has no Uri converter, so
/// without this parser every URL was refused.
/// </summary>
internal static class UrlArgument
{
    public static bool TryParse(string value, out Uri uri)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var parsed)
            && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            && parsed.Host.Length > 0)
        {
            uri = parsed;
            return true;
        }

        uri = null!;
        return false;
    }

    /// <summary>The <see cref="System.CommandLine.Option{T}.CustomParser"/> of URL options.</summary>
    public static Uri? Parse(ArgumentResult result)
    {
        var value = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
        if (TryParse(value, out var uri))
        {
            return uri;
        }

        result.AddError($"{SymbolName(result)} must be an absolute http or https URL such as http://127.0.0.1:8080, not '{value}'.");
        return null;
    }

    /// <summary>An endpoint option: an absolute http(s) URL, by default <paramref name="environmentVariable"/>'s, else none (AWS in --region).</summary>
    public static Option<Uri?> EndpointOption(string name, string environmentVariable, string description) => new(name)
    {
        Description = description,
        CustomParser = Parse,
        DefaultValueFactory = _ => FromEnvironment(environmentVariable, fallback: null),
    };

    /// <summary>A URL from an environment variable that stands in for a flag, or <paramref name="fallback"/> when unset.</summary>
    public static Uri? FromEnvironment(string variable, string? fallback)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback is null ? null : new Uri(fallback);
        }

        return TryParse(value.Trim(), out var uri)
            ? uri
            : throw CliException.Usage($"${variable} must be an absolute http or https URL such as http://127.0.0.1:8080, not '{value}'.");
    }

    internal static string SymbolName(ArgumentResult result) =>
        result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
