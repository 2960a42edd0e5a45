using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KinesisGrains.Sinks.Delta;

/// <summary>One line of a commit file: exactly one of its properties is set. Actions this writer does not know (cdc, domainMetadata, ...) read as none set.</summary>
internal sealed record DeltaAction
{
    public DeltaProtocol? Protocol { get; init; }

    [JsonPropertyName("metaData")]
    public DeltaMetadata? Metadata { get; init; }

    public DeltaTxn? Txn { get; init; }

    public DeltaAddFile? Add { get; init; }

    public DeltaRemoveFile? Remove { get; init; }

    /// <summary>Free-form provenance (operation, timestamp, ...), never part of the table's state.</summary>
    public JsonObject? CommitInfo { get; init; }
}
