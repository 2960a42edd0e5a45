namespace KinesisGrains.Silo.Configuration;

/// <summary>Shipping of dead letters to S3 (section <c>DeadLetters</c>); they are always written to the local folder first.</summary>
internal sealed class DeadLetterOptions
{
    /// <summary>When set, dead letters are also shipped to the snapshot bucket under this prefix.</summary>
    public string? S3Prefix { get; set; }

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}
