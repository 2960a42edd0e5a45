using KinesisGrains.Kinesis.Client;
using KinesisGrains.Streaming.Kinesis.Leasing;
using KinesisGrains.Silo.Configuration;

namespace KinesisGrains.Silo.Hosting;

/// <summary>
/// Ties checkpoints and state to one incarnation of the stream. The lease table records the stream's ARN and
/// creation time; a stream deleted and created again under the same name is refused (its sequence numbers mean
/// nothing to the old checkpoints) unless a reset is asked for. Local state folders and S3 snapshot prefixes carry
/// the incarnation, so state of an earlier stream, or of another application, is never mixed in. So does the state
/// generation that <c>kgrains reset --clear-state</c> bumps: a silo of the new generation opens fresh local stores,
/// snapshot prefixes and pointer rows, and deletes the local folders of earlier ones (on machines the reset never reached).
/// </summary>
internal static class StreamIncarnation
{
    /// <returns>The incarnation's name: the stream's creation time in Unix milliseconds, then "-g" and the state generation after a reset cleared the state.</returns>
    public static async Task<string> CheckAsync(ShardLeaseTable leases, StreamDescriptionSummary stream, SiloConfiguration configuration, CancellationToken cancellationToken)
    {
        var current = new StreamIdentity(stream.StreamName, stream.StreamArn, stream.StreamCreationTimestamp);
        var recorded = await leases.RecordStreamIdentityAsync(current, cancellationToken);
        if (!recorded.IsSameStreamAs(current))
        {
            if (!configuration.Source.ResetIfStreamRecreated)
            {
                throw new SiloStartupException(
                    $"Kinesis stream '{stream.StreamName}' was deleted and created again: the checkpoints in table '{leases.TableName}' belong to the stream created at {recorded.CreationTimestamp:O}, " +
                    $"but the stream now was created at {current.CreationTimestamp:O}. To start fresh, use a new Silo:ApplicationName, or set Kinesis:ResetIfStreamRecreated=true to delete the old checkpoints and local state.",
                    SiloStartupException.InvalidConfiguration);
            }

            await leases.ResetAsync(cancellationToken);
            await leases.RecordStreamIdentityAsync(current, cancellationToken);
        }

        return ShardLeaseTable.IncarnationOf(current, await leases.GetStateGenerationAsync(cancellationToken));
    }
}
