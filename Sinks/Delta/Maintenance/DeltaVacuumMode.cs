namespace KinesisGrains.Sinks.Delta;

/// <summary>Which unreferenced files <see cref="DeltaTable.VacuumAsync"/> deletes.</summary>
internal enum DeltaVacuumMode
{
    /// <summary>Files a <c>remove</c> tombstone names, once it is older than the retention (delta-rs' default).</summary>
    Lite,

    /// <summary>Also any other file under the table the snapshot does not reference, once older than the retention by its S3 LastModified: uploads never committed, and files whose tombstone a checkpoint dropped.</summary>
    Full,
}
