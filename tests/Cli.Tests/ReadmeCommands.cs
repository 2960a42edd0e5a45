using System.Text;
using System.Text.RegularExpressions;

namespace KinesisGrains.Tests;

/// <summary>
/// The <c>kgrains ...</c> lines of README.md's fenced code blocks, split into arguments as a POSIX shell would
/// (quotes, backslash line continuations, <c># comments</c>).
/// </summary>
internal static partial class ReadmeCommands
{
    public static List<string[]> Extract(string markdown)
    {
        var commands = new List<string[]>();
        var inBlock = false;
        var pending = new StringBuilder();
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                pending.Clear();
                continue;
            }

            if (!inBlock)
            {
                continue;
            }

            var text = line.Trim();
            if (pending.Length == 0)
            {
                text = text.StartsWith("$ ", StringComparison.Ordinal) ? text[2..] : text;
                if (!text.StartsWith("kgrains ", StringComparison.Ordinal))
                {
                    continue;
                }
            }

            if (text.EndsWith('\\'))
            {
                pending.Append(text[..^1]).Append(' ');
                continue;
            }

            pending.Append(text);
            var words = Split(pending.ToString());
            pending.Clear();
            commands.Add([.. words.Skip(1)]);
        }

        return commands;
    }

    /// <summary>Shell words: whitespace-separated, single and double quotes, a word starting with # ends the line.</summary>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>
    /// The README's local endpoints swapped for the test's: Kinesis at 127.0.0.1:4567, S3 (s3rver) at 127.0.0.1:4568,
    /// DynamoDB at 127.0.0.1:8000, the silo's HTTP at 127.0.0.1:8080 and its gateway port 30000. Any other 127.0.0.1 port
    /// fails the test: the README would show an endpoint nobody runs.
    /// </summary>
    public static string[] Substitute(string[] arguments, Uri kinesis, Uri silo, int gatewayPort, Uri dynamoDb, Uri s3)
    {
        var result = new string[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            var argument = arguments[i];
            if (LocalUrl().Match(argument) is { Success: true } url)
            {
                argument = url.Groups["port"].Value switch
                {
                    "4567" => kinesis.GetLeftPart(UriPartial.Authority),
                    "4568" => s3.GetLeftPart(UriPartial.Authority),
                    "8080" => silo.GetLeftPart(UriPartial.Authority),
                    "8000" => dynamoDb.GetLeftPart(UriPartial.Authority),
                    var port => throw new InvalidOperationException($"README uses a local endpoint on port {port} that the test does not know: {argument}"),
                } + url.Groups["path"].Value;
            }
            else if (i > 0 && arguments[i - 1] == "--gateway")
            {
                argument = string.Join(',', argument.Split(',').Select(port => port == "30000"
                    ? gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : throw new InvalidOperationException($"README uses gateway port {port}; the test knows 30000 only.")));
            }

            result[i] = argument;
        }

        return result;
    }

    /// <summary>The value of <paramref name="option"/> in a command's arguments; null when it is not there.</summary>
    public static string? ValueOf(string[] arguments, string option) =>
        Array.IndexOf(arguments, option) is var at and >= 0 && at + 1 < arguments.Length ? arguments[at + 1] : null;

    [GeneratedRegex(@"^https?://127\.0\.0\.1:(?<port>\d+)(?<path>/.*)?$")]
    private static partial Regex LocalUrl();
}
