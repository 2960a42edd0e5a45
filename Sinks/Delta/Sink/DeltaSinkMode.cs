namespace KinesisGrains.Sinks.Delta;

/// <summary>How a Delta sink puts an epoch's rows into its table (<see cref="DeltaSinkOptions.Mode"/>).</summary>
public enum DeltaSinkMode
{
    /// <summary>Every epoch's rows are appended in new files: emitted rows as emitted, a changelog as a history (one row per changed key per epoch).</summary>
    Append,

    /// <summary>
    /// Changelog only: the table holds one row per live key, its latest state; a deleted key has no row. Copy-on-write:
    /// an epoch rewrites the files of the (partition, bucket) pairs its keys fall in (<see cref="DeltaSinkOptions.MergeBuckets"/>).
    /// </summary>
    Merge,
}
