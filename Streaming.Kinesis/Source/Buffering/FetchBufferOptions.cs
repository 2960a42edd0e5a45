namespace KinesisGrains.Streaming.Kinesis.Source.Buffering;

/// <summary>
/// Budgets of the <see cref="FetchBuffer"/>. <see cref="SoftLimitBytes"/> plays the part of the Databricks Kinesis
/// source's <c>fetchBufferSize</c>; past it pages go to local disk instead of growing the heap.
/// <see cref="FetchBufferOptionsValidator"/> holds their rules.
/// </summary>
public sealed class FetchBufferOptions
{
    /// <summary>In-memory budget across all shards, counting each page as <see cref="FetchBuffer.ChargeOf"/> (its size plus object overheads).</summary>
    /// <remarks>Soft: one page larger than the whole budget is still kept in memory when nothing else is, so a shard always makes progress.</remarks>
    public long SoftLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Where spill files are created; shared by every buffer of the process (file names are unique per buffer).</summary>
    public string SpillDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "kgrains-fetch-buffer");

    /// <summary>Disk budget across all shards. When it is used up producers wait for consumers; 0 disables spilling, so producers wait for memory instead.</summary>
    public long MaxSpillBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Size at which a shard's spill file is sealed and a new one started. A file is deleted as soon as it has been
    /// read to the end, so this bounds the disk a slowly draining shard holds on to after reading it.
    /// </summary>
    public long SpillSegmentBytes { get; set; } = 16L * 1024 * 1024;
}
