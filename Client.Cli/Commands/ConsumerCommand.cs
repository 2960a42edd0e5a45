using System.CommandLine;
using KinesisGrains.Cli.Output;
using KinesisGrains.Kinesis.Client;
using Spectre.Console;

namespace KinesisGrains.Cli.Commands;

/// <summary>
/// <c>kgrains consumer list</c> and <c>kgrains consumer deregister</c>: the enhanced fan-out consumers of a stream. A
/// silo in <c>Kinesis:ConsumerMode=Efo</c> registers its consumer and never deregisters it (a stopping silo must not
/// take the consumer from the others); deregistering is this explicit command.
/// </summary>
internal static class ConsumerCommand
{
    public static Command Create() => new("consumer", "List or deregister a stream's enhanced fan-out consumers")
    {
        CreateList(),
        CreateDeregister(),
    };

    private static Command CreateList()
    {
        var command = new Command("list", "List the stream's enhanced fan-out consumers")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            var streamArn = (await kinesis.DescribeStreamSummaryAsync(stream, cancellationToken)).StreamArn;
            var consumers = (await kinesis.ListStreamConsumersAsync(streamArn, cancellationToken)).OrderBy(c => c.ConsumerName, StringComparer.Ordinal).ToList();
            if (output.IsJson)
            {
                output.WriteJson(consumers.Select(c => new { name = c.ConsumerName, arn = c.ConsumerArn, status = c.Status.ToString().ToUpperInvariant(), created = c.CreationTimestamp }));
                return ExitCodes.Success;
            }

            if (consumers.Count == 0)
            {
                output.WriteLine($"Stream '{stream}' has no enhanced fan-out consumers.");
                return ExitCodes.Success;
            }

            var table = new Table().AddColumns("Name", "Status", "Registered", "ARN");
            foreach (var consumer in consumers)
            {
                table.AddRow(
                    Markup.Escape(consumer.ConsumerName),
                    consumer.Status.ToString().ToUpperInvariant(),
                    consumer.CreationTimestamp?.ToString("u") ?? "",
                    Markup.Escape(consumer.ConsumerArn));
            }

            output.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command CreateDeregister()
    {
        var name = new Option<string>("--name") { Description = "The consumer's name (a silo's is Kinesis:ConsumerName, by default its application name)", Required = true };
        var command = new Command("deregister", "Deregister an enhanced fan-out consumer: its subscriptions end, and silos still in Efo mode register it again")
        {
            CommonOptions.KinesisUrl, CommonOptions.Region, CommonOptions.Stream, name,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CliOutput.For(parse);
            using var kinesis = CommonOptions.CreateKinesisClient(parse);
            var stream = parse.GetValue(CommonOptions.Stream)!;
            var consumerName = parse.GetValue(name)!;
            var streamArn = (await kinesis.DescribeStreamSummaryAsync(stream, cancellationToken)).StreamArn;
            StreamConsumer consumer;
            try
            {
                consumer = await kinesis.DescribeStreamConsumerAsync(streamArn, consumerName, cancellationToken);
            }
            catch (KinesisResourceNotFoundException)
            {
                throw new CliException(ExitCodes.RuntimeError, $"Stream '{stream}' has no consumer named '{consumerName}' (kgrains consumer list shows them).");
            }

            await kinesis.DeregisterStreamConsumerAsync(consumer.ConsumerArn, cancellationToken);
            if (output.IsJson)
            {
                output.WriteJson(new { name = consumer.ConsumerName, arn = consumer.ConsumerArn, deregistered = true });
            }
            else
            {
                output.WriteLine($"Consumer '{consumer.ConsumerName}' of stream '{stream}' deregistered ({consumer.ConsumerArn}).");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
