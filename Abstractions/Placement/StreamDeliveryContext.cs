namespace KinesisGrains.Abstractions.Placement;

/// <summary>
/// What a stream delivery carries in Orleans' RequestContext: the silo whose receiver read the records, so a partition
/// can count the events that crossed silos.
/// </summary>
internal static class StreamDeliveryContext
{
    public const string SourceSiloKey = "kgrains.source-silo";
}
