namespace KinesisGrains.Sinks.Delta;

/// <summary>What <see cref="DeltaTable.VacuumAsync"/> deletes.</summary>
internal sealed class DeltaVacuumOptions
{
    /// <summary>A file goes only once it has been unreferenced this long: readers of older versions (time travel, slow queries) still need it until then.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Allows a <see cref="Retention"/> shorter than the table's <see cref="DeltaTableOptions.TombstoneRetention"/>; a reader of an older version may then fail.</summary>
    public bool Force { get; set; }

    /// <summary>Lists what would go, deletes nothing.</summary>
    public bool DryRun { get; set; }

    public DeltaVacuumMode Mode { get; set; } = DeltaVacuumMode.Lite;
}
