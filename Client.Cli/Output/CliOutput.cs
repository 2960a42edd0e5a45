using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using KinesisGrains.Cli.Commands;
using Spectre.Console;

namespace KinesisGrains.Cli.Output;

/// <summary>
/// Where a command writes its result: JSON for scripts (<c>--json</c>), or Spectre.Console tables and progress bars for
/// people. Bars and colours only when stdout is a terminal, so pipes and CI logs get plain lines.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly TextWriter _writer;
    private readonly TextWriter _error;

    private CliOutput(TextWriter writer, TextWriter error, bool json, bool terminal)
    {
        _writer = writer;
        _error = error;
        IsJson = json;
        IsTerminal = terminal;
        Console = AnsiConsole.Create(terminal
            ? new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) }
            : new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(writer),
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
            });
        if (!terminal)
        {
            // Redirected output has no width; wide enough that tables of long shard ids do not wrap.
            Console.Profile.Width = 200;
        }
    }

    public bool IsJson { get; }

    public bool IsTerminal { get; }

    /// <summary>Live progress bars: a person is watching and no script parses the output.</summary>
    public bool ShowProgress => !IsJson && IsTerminal;

    /// <summary>Tables and text for people (never used with <c>--json</c>).</summary>
    public IAnsiConsole Console { get; }

    public static CliOutput For(ParseResult parse)
    {
        var writer = parse.InvocationConfiguration.Output;
        var terminal = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        return new CliOutput(writer, parse.InvocationConfiguration.Error, parse.GetValue(CommonOptions.Json), terminal);
    }

    public void WriteJson<T>(T value) => _writer.WriteLine(JsonSerializer.Serialize(value, s_json));

    /// <summary>What a command tells while it works (a longer wait than asked for): a line for people; on stderr with <c>--json</c>, so stdout stays one document.</summary>
    public void WriteNote(string text) => (IsJson ? _error : _writer).WriteLine(text);

    /// <summary>A plain line for people, never wrapped at the terminal width (so it can be copied whole).</summary>
    public void WriteLine(string text) => _writer.WriteLine(text);
}
