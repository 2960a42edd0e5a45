using System.CommandLine;
using KinesisGrains.Cli.Commands;
using KinesisGrains.Kinesis.Client;

var root = new RootCommand("kgrains: produce clickstream data, query grains and check a silo's progress")
{
    CreateStreamCommand.Create(),
    ProduceCommand.Create(),
    QueryCommand.Create(),
    StatusCommand.Create(),
    VerifyCommand.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception exception) when (exception is KinesisException or Orleans.Runtime.OrleansException or Orleans.Runtime.SiloUnavailableException or HttpRequestException or TimeoutException or IOException or InvalidOperationException)
{
    // A clear sentence, not a stack trace: these are errors of the environment, not bugs.
    await Console.Error.WriteLineAsync($"error: {exception.Message}");
    return 1;
}
