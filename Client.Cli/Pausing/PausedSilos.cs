using KinesisGrains.Client;
using KinesisGrains.Cli.Commands;
using KinesisGrains.Streaming.Kinesis.Control;

namespace KinesisGrains.Cli.Pausing;

/// <summary>
/// The silos of a paused application, for the steps a live operation (<c>reset --live</c>, <c>rescale --live</c>)
/// asks of each of them through the Kinesis stream provider's control commands.
/// </summary>
/// <param name="connect">Connects to the application's silos.</param>
/// <param name="target">The silos as the user named them, for messages.</param>
/// <param name="operation">The operation, as a sentence names it ("reset", "rescale").</param>
internal sealed class PausedSilos(string application, Func<CancellationToken, Task<ClusterConnection>> connect, string target, string operation)
{
    /// <summary>
    /// The silos named by <c>--membership-table</c> (found on the lease table's DynamoDB, <paramref name="dynamoDB"/>)
    /// or else by <c>--gateway</c>, in cluster <c>--cluster-id</c>.
    /// </summary>
    public static PausedSilos Of(System.CommandLine.ParseResult parse, string application, string dynamoDB, string? membershipTable, string operation)
    {
        var clusterId = parse.GetValue(CommonOptions.ClusterId)!;
        if (membershipTable is { } table)
        {
            return new PausedSilos(
                application,
                cancellationToken => GatewayProbe.WithinConnectTimeoutAsync(
                    ClusterConnection.ConnectDynamoDBAsync(dynamoDB, table, clusterId, cancellationToken: cancellationToken),
                    $"the Orleans gateways in the membership table '{table}' at {dynamoDB} (cluster id '{clusterId}')",
                    cancellationToken),
                $"the gateways in membership table '{table}' at {dynamoDB} (cluster id '{clusterId}')",
                operation);
        }

        var ports = parse.GetValue(CommonOptions.Gateway)!;
        return new PausedSilos(
            application,
            cancellationToken => CommonOptions.ConnectToGatewaysAsync(ports, clusterId, cancellationToken),
            $"127.0.0.1:{string.Join(',', ports)} (cluster id '{clusterId}')",
            operation);
    }

    /// <summary>
    /// Every silo deactivates its partitions after a final snapshot; returns how many were. A busy silo's final
    /// snapshots and sink commits can outlast one control call, so the silos are asked to wait on until none is left,
    /// for up to <paramref name="timeout"/>. Then they are asked again, until a round finds no partition active: a
    /// checkpoint cycle that was under way when the input paused can wake a partition that had just handed over (its
    /// last call reaches a new activation), which would otherwise be fenced by the operation with the rows it staged
    /// meanwhile (a rescale then refuses them). After the timeout the operation goes on as it is.
    /// </summary>
    public async Task<int> HandOverAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var partitions = 0;
        for (var round = 0; round < HandOverRounds; round++)
        {
            var reports = await HandOverCallAsync(KinesisStreamControl.HandOverPartitionsAsync);
            var asked = reports.Sum(r => r.Partitions);
            partitions += asked;
            while (reports.Sum(r => r.StillDeactivating) > 0 && TimeProvider.System.GetElapsedTime(started) < timeout)
            {
                reports = await HandOverCallAsync(KinesisStreamControl.AwaitHandOverAsync);
            }

            if (asked == 0 || TimeProvider.System.GetElapsedTime(started) >= timeout)
            {
                break;
            }
        }

        return partitions;

        Task<IReadOnlyList<PartitionHandOverReport>> HandOverCallAsync(Func<Orleans.IGrainFactory, string, string, Task<IReadOnlyList<PartitionHandOverReport>>> send) =>
            SendAsync("hand their partitions over", send, r => (r.Silo, r.Application, r.Error), $"Nothing was {Done}", cancellationToken);
    }

    /// <summary>Every silo takes the partition count the lease table records; fails unless each then routes by <paramref name="partitionCount"/>.</summary>
    /// <returns>Each silo's answer.</returns>
    public async Task<IReadOnlyList<PartitionCountReport>> AdoptPartitionCountAsync(int partitionCount, CancellationToken cancellationToken)
    {
        var reports = await SendAsync(
            "take the new partition count", KinesisStreamControl.AdoptPartitionCountAsync, r => (r.Silo, r.Application, r.Error), $"The {operation} is recorded", cancellationToken);
        if (reports.FirstOrDefault(r => r.PartitionCount != partitionCount) is { } behind)
        {
            throw CliException.Runtime(
                $"Silo {behind.Silo} routes by {behind.PartitionCount} partitions, not {partitionCount} (its lease table records {behind.Recorded?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}): "
                + $"the {operation} is recorded, and the pause stays: run the {operation} again.");
        }

        return reports;
    }

    /// <summary>Hand-over rounds at most: the second finds none active but for a partition woken by a checkpoint cycle under way at the pause.</summary>
    private const int HandOverRounds = 3;

    private string Done => operation == "reset" ? "reset" : "rescaled";

    private async Task<IReadOnlyList<TReport>> SendAsync<TReport>(
        string what,
        Func<Orleans.IGrainFactory, string, string, Task<IReadOnlyList<TReport>>> send,
        Func<TReport, (string Silo, string Application, string? Error)> describe,
        string state,
        CancellationToken cancellationToken)
    {
        ClusterConnection connection;
        try
        {
            connection = await connect(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw CliException.Runtime(
                $"Application '{application}' is paused, but its silos cannot be reached at {target} to {what}: {KgrainsCli.Sentence(exception.Message)} "
                + $"{state}, and the pause stays: name the silos' gateways (--gateway, or --membership-table; --cluster-id) and run the {operation} again, or end the pause with 'kgrains resume'. "
                + $"(A stopped application is {Done} without --live.)",
                exception);
        }

        await using (connection)
        {
            var reports = await connection.CallAsync(c => send(c, KinesisStreamControl.SiloProviderName, Guid.NewGuid().ToString("N")), cancellationToken);
            foreach (var report in reports)
            {
                var (silo, other, error) = describe(report);
                if (other != application)
                {
                    throw CliException.Runtime($"The cluster at {target} runs application '{other}' (silo {silo}), not '{application}': {state}, and '{application}' stays paused ('kgrains resume' ends it).");
                }

                if (error is not null)
                {
                    throw CliException.Runtime($"Silo {silo} could not {what}: {KgrainsCli.Sentence(error)} {state}, and the pause stays: run the {operation} again, or 'kgrains resume'.");
                }
            }

            return reports;
        }
    }
}
