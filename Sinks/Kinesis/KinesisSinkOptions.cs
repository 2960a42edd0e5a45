using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.Kinesis;

/// <summary>
/// A <see cref="KinesisSink"/> (<c>Sinks:{name}:Type=Kinesis</c>): the stream it puts rows into.
/// <see cref="KinesisSinkOptionsValidator"/> holds the rules.
/// </summary>
public sealed class KinesisSinkOptions : AwsRowSinkOptions
{
    /// <summary>Emitted rows by default.</summary>
    public KinesisSinkOptions() => Output = SinkOutputKind.Emitted;

    /// <summary>The stream's name. Required; the stream must exist.</summary>
    public string StreamName { get; set; } = "";

    /// <summary>
    /// Skips an epoch of a partition this process already sent (an in-memory last epoch per partition), which cuts
    /// the duplicates of a batch handed over again within the process. Re-sends after a restart or a partition's move
    /// to another silo still duplicate.
    /// </summary>
    public bool SkipEpochsSentInProcess { get; set; } = true;
}
