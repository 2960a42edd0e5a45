using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.Json;
using KinesisGrains.Cli.Commands;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Cli;

/// <summary>
/// The <c>kgrains</c> command line: parse, run, and turn every failure into one sentence on stderr and an exit code
/// (<see cref="ExitCodes"/>): 2 for a bad command line, 1 for a failure of the environment or an unexpected error.
/// </summary>
public static class KgrainsCli
{
    public static RootCommand CreateRootCommand() =>
        new("kgrains: produce clickstream data, query grains, check a silo's progress, reset an application's read position, pause its input, change its partition count, maintain Delta tables and read state from snapshots without a silo. Exit codes: 0 ok, 1 runtime error, 2 usage error.")
        {
            CommonOptions.Json,
            ConsumerCommand.Create(),
            CreateStreamCommand.Create(),
            DeltaCommand.Create(),
            PauseCommand.Create(),
            ProduceCommand.Create(),
            QueryCommand.Create(),
            RescaleCommand.Create(),
            ResetCommand.Create(),
            ResumeCommand.Create(),
            SavepointCommand.Create(),
            StateCommand.Create(),
            StatusCommand.Create(),
            VerifyCommand.Create(),
        };

    public static ParseResult Parse(params string[] args) => CreateRootCommand().Parse(args);

    /// <param name="output">stdout; a writer other than the console never gets progress bars or colours.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        try
        {
            return await RunCommandAsync(args, output, error, cancellationToken);
        }
        catch (Exception exception)
        {
            // A failure no command expects (a bug): still one line and a non-zero exit, never a stack trace. The
            // prefix tells it from the "error:" sentences of the failures above, which a user can act on.
            await error.WriteLineAsync($"kgrains: {Sentence((exception is AggregateException { InnerExceptions.Count: 1 } single ? single.InnerExceptions[0] : exception).Message)}");
            return ExitCodes.RuntimeError;
        }
    }

    private static async Task<int> RunCommandAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ParseResult parse;
        try
        {
            parse = Parse(args);
        }
        catch (CliException exception)
        {
            await error.WriteLineAsync($"error: {Sentence(exception.Message)}");
            return exception.ExitCode;
        }

        if (parse.Action is ParseErrorAction)
        {
            // One sentence, not System.CommandLine's error list followed by the whole help text.
            // "Required command was not provided" is a consequence when another error (an unknown command) is the cause.
            var cause = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(token => e.Message.Contains($"'{token}'", StringComparison.Ordinal)))
                ?? parse.Errors[0];
            await error.WriteLineAsync($"error: {Sentence(cause.Message).TrimEnd('.')} (see '{CommandPath(parse.CommandResult)} --help').");
            return ExitCodes.UsageError;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException exception)
        {
            await error.WriteLineAsync($"error: {Sentence(exception.Message)}");
            return exception.ExitCode;
        }
        catch (OperationCanceledException exception) when (exception.InnerException is TimeoutException timeout)
        {
            await error.WriteLineAsync($"error: {Sentence(timeout.Message)}");
            return ExitCodes.RuntimeError;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C (System.CommandLine cancels the action's token) or the caller's token.
            await error.WriteLineAsync("error: interrupted.");
            return ExitCodes.Interrupted;
        }
        catch (Exception exception) when (IsEnvironmentError(exception))
        {
            // A clear sentence, not a stack trace: these are errors of the environment, not bugs.
            await error.WriteLineAsync($"error: {Sentence(exception.Message)}");
            return ExitCodes.RuntimeError;
        }
    }

    private static bool IsEnvironmentError(Exception exception) => exception is
        KinesisException or Orleans.Runtime.OrleansException or HttpRequestException or TimeoutException or IOException
        or UnauthorizedAccessException or JsonException or InvalidOperationException;

    /// <summary>The first line of a message, so a multi-line exception text stays one sentence.</summary>
    internal static string Sentence(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "unknown error." : line;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? current = result; current is not null; current = current.Parent)
        {
            if (current is CommandResult command)
            {
                names.Add(command.Parent is null ? "kgrains" : command.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
