namespace KinesisGrains.Sinks.Delta;

/// <summary>What <see cref="DeltaTable.VacuumAsync"/> deleted (or, for a dry run, would delete): paths relative to the table root.</summary>
internal sealed record DeltaVacuumResult(IReadOnlyList<string> Files, long Bytes, bool DryRun);
