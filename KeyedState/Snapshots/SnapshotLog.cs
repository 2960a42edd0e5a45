using Microsoft.Extensions.Logging;

namespace KinesisGrains.KeyedState.Snapshots;

internal static partial class SnapshotLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "S3 {Operation} of '{Key}' attempt {Attempt}/{MaxAttempts} failed ({Failure}); retrying in {DelayMs:0} ms")]
    public static partial void Retrying(ILogger logger, string operation, string key, int attempt, int maxAttempts, string failure, double delayMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded snapshot {SnapshotId} of partition {PartitionId}: {FilesUploaded} files ({BytesUploaded} bytes) sent, {FilesReused} reused, in {ElapsedMs:0} ms")]
    public static partial void Uploaded(ILogger logger, long snapshotId, string partitionId, int filesUploaded, long bytesUploaded, int filesReused, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored snapshot {SnapshotId} of partition {PartitionId}: {FilesDownloaded} files ({BytesDownloaded} bytes) downloaded, {FilesReused} reused, in {ElapsedMs:0} ms")]
    public static partial void Restored(ILogger logger, long snapshotId, string partitionId, int filesDownloaded, long bytesDownloaded, int filesReused, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot {SnapshotId} of partition {PartitionId} cannot be restored ({Reason}); trying the previous one")]
    public static partial void FallingBack(ILogger logger, Exception? exception, long snapshotId, string partitionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {PartitionId} restored the OLDER snapshot {SnapshotId}, not the newest committed one ({NewestSnapshotId}): its state and coverage are those of snapshot {SnapshotId}. Skipped: {Skipped}")]
    public static partial void RestoredOlder(ILogger logger, string partitionId, long snapshotId, long newestSnapshotId, string skipped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Partition {PartitionId}: none of its snapshots (newest {NewestSnapshotId}) can be restored; it starts EMPTY and every shard replays from its origin for it. Skipped: {Skipped}")]
    public static partial void RestoredNothing(ILogger logger, string partitionId, long newestSnapshotId, string skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot writer {WriterToken} of partition {PartitionId} is fenced: {Reason}")]
    public static partial void Fenced(ILogger logger, string partitionId, long writerToken, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pruning partition {PartitionId} after snapshot {SnapshotId} failed; the snapshot is committed, the next prune retries")]
    public static partial void PruneFailed(ILogger logger, Exception exception, string partitionId, long snapshotId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {PartitionId} has no snapshot pointer yet; adopting the {Count} snapshot(s) listed in S3 (newest {NewestSnapshotId}), written before snapshots were fenced")]
    public static partial void AdoptingListed(ILogger logger, string partitionId, int count, long newestSnapshotId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned partition {PartitionId}: {SnapshotsDeleted} snapshots and {ObjectsDeleted} objects ({BytesDeleted} bytes) deleted, {KeptYoung} unreferenced objects kept (younger than the grace period)")]
    public static partial void Pruned(ILogger logger, string partitionId, int snapshotsDeleted, int objectsDeleted, long bytesDeleted, int keptYoung);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not abort multipart upload of '{Key}'; a bucket lifecycle rule should clean it up")]
    public static partial void AbortFailed(ILogger logger, Exception exception, string key);
}
