using System.Diagnostics;
using KinesisGrains.Client;
using KinesisGrains.Streaming.Kinesis.Control;

namespace KinesisGrains.Cli.Savepoints;

/// <summary>
/// The barrier a savepoint of a running application is taken at: every silo runs a checkpoint cycle now (forced, even
/// if no checkpoint moved: <see cref="KinesisStreamCommands"/>), and the savepoint pins once each reported it completed,
/// so it holds every record the partitions had applied when the command ran, not only those of the last barrier, which
/// may be a checkpoint interval old.
/// </summary>
/// <param name="connect">Connects to the application's cluster; called only when a silo runs.</param>
/// <param name="target">The cluster as the user named it, for messages ("the Orleans gateways on 127.0.0.1:30000").</param>
internal sealed class SavepointBarrier(Func<CancellationToken, Task<ClusterConnection>> connect, string target)
{
    /// <summary>How long the silos' cycles may take: their snapshots' uploads.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Runs the barrier on every silo of the running application; returns each silo's completed cycle.</summary>
    /// <param name="runningSilo">What shows a silo runs, for the message when the cluster cannot be reached.</param>
    public async Task<IReadOnlyList<ForcedCheckpointReport>> RunAsync(string application, string runningSilo, CancellationToken cancellationToken)
    {
        ClusterConnection connection;
        try
        {
            connection = await connect(cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Pinning the last barrier's snapshots instead would silently leave out up to a checkpoint interval of records.
            throw CliException.Runtime(
                $"Application '{application}' runs ({runningSilo}), but the savepoint's barrier cannot reach its silos at {target}: {KgrainsCli.Sentence(exception.Message)} "
                + "Name its silos' gateways (--gateway, or --dynamodb-url with --cluster-id), or pass --no-barrier to pin the snapshots of its last barrier (up to a checkpoint interval old).",
                exception);
        }

        await using (connection)
        {
            var requestId = Guid.NewGuid().ToString("N");
            var started = await connection.CallAsync(c => KinesisStreamControl.StartForcedCheckpointAsync(c, KinesisStreamControl.SiloProviderName, requestId), cancellationToken);
            if (started.FirstOrDefault(r => r.Application != application) is { } other)
            {
                throw CliException.Runtime($"The cluster at {target} runs application '{other.Application}' (silo {other.Silo}), not '{application}': no savepoint taken.");
            }

            var stopwatch = Stopwatch.StartNew();
            while (true)
            {
                var status = (await connection.CallAsync(c => KinesisStreamControl.ForcedCheckpointStatusAsync(c, KinesisStreamControl.SiloProviderName, requestId), cancellationToken))
                    .ToDictionary(r => r.Silo, StringComparer.Ordinal);
                var reports = new List<ForcedCheckpointReport>(started.Count);
                foreach (var silo in started)
                {
                    // A silo that joined since has no part in it: what it reads now came after the command.
                    var report = status.GetValueOrDefault(silo.Silo);
                    if (report is null || report.State == ForcedCheckpointState.Unknown)
                    {
                        throw CliException.Runtime($"Silo {silo.Silo} left the cluster while the savepoint's barrier ran: no savepoint taken; take it again.");
                    }

                    if (report.State == ForcedCheckpointState.Failed)
                    {
                        throw CliException.Runtime($"The savepoint's barrier failed on silo {silo.Silo}: {KgrainsCli.Sentence(report.Error ?? "no reason given")} No savepoint taken.");
                    }

                    reports.Add(report);
                }

                if (reports.All(r => r.State == ForcedCheckpointState.Completed))
                {
                    return reports;
                }

                if (stopwatch.Elapsed > Timeout)
                {
                    var waiting = reports.Where(r => r.State != ForcedCheckpointState.Completed).Select(r => r.Silo);
                    throw CliException.Runtime(
                        $"The savepoint's barrier did not complete within {Timeout.TotalSeconds:F0} s on silo(s) {string.Join(", ", waiting)}: no savepoint taken (a longer --barrier-timeout waits longer).");
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
    }
}
