namespace KinesisGrains.Sinks.Delta;

/// <summary>How a <see cref="DeltaTable"/> writes: checkpoints, file sizes, retention, retries.</summary>
internal sealed class DeltaTableOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>A checkpoint after every this many commits (Spark's default 10); 0 for none.</summary>
    public int CheckpointInterval { get; set; } = 10;

    /// <summary>Optimize compacts files smaller than this into files of up to this size (delta-rs' default, 100 MiB).</summary>
    public long TargetFileSize { get; set; } = 100 * MiB;

    /// <summary>How long tombstones stay in checkpoints, and the shortest vacuum retention allowed unless forced (Delta's <c>deletedFileRetentionDuration</c>, 1 week).</summary>
    public TimeSpan TombstoneRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Attempts at one commit, each at the next free version after losing a race.</summary>
    public int MaxCommitAttempts { get; set; } = 50;

    /// <summary>Who writes, for <c>commitInfo</c> (<c>queryId</c>, <c>engineInfo</c>).</summary>
    public string WriterId { get; set; } = "kgrains";
}
