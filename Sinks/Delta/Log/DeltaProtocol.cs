namespace KinesisGrains.Sinks.Delta;

/// <summary>The <c>protocol</c> action: the reader and writer versions a client needs for the table.</summary>
internal sealed record DeltaProtocol
{
    /// <summary>What this writer creates and the most it reads or writes: (1, 2), no table features.</summary>
    public static readonly DeltaProtocol Supported = new() { MinReaderVersion = 1, MinWriterVersion = 2 };

    public int MinReaderVersion { get; init; }

    public int MinWriterVersion { get; init; }

    /// <summary>Table features of reader 3 / writer 7 tables; this writer never has them.</summary>
    public IReadOnlyList<string>? ReaderFeatures { get; init; }

    public IReadOnlyList<string>? WriterFeatures { get; init; }

    public bool Equals(DeltaProtocol? other) =>
        other is not null && MinReaderVersion == other.MinReaderVersion && MinWriterVersion == other.MinWriterVersion
        && (ReaderFeatures ?? []).SequenceEqual(other.ReaderFeatures ?? []) && (WriterFeatures ?? []).SequenceEqual(other.WriterFeatures ?? []);

    public override int GetHashCode() => HashCode.Combine(MinReaderVersion, MinWriterVersion);
}
