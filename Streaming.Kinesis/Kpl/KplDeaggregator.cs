using System.Security.Cryptography;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>
/// Splits KPL aggregated records into their user records, following the KCL: a record without the magic, or with the
/// magic but a bad length, checksum or protobuf, is emitted whole as one plain user record. Unlike the KCL it never
/// throws, never emits part of an aggregate, and reports every pass-through and drop in its result and in
/// <see cref="KplMetrics"/>. Stateless and thread-safe; user record data are slices of the Kinesis record's array.
/// </summary>
internal sealed class KplDeaggregator
{
    private readonly bool _dropOutsideShardRange;

    public KplDeaggregator(KplDeaggregatorOptions? options = null)
    {
        _dropOutsideShardRange = (options ?? new KplDeaggregatorOptions()).DropAggregatesOutsideShardRange;
    }

    /// <summary>KCL-compatible: drops aggregates that stray outside the shard's hash range.</summary>
    public static KplDeaggregator Default { get; } = new();

    /// <summary>Whether the bytes start with the KPL magic; says nothing about whether the rest is valid.</summary>
    public static bool IsAggregated(ReadOnlySpan<byte> data) => data.StartsWith(KplFormat.Magic);

    /// <summary>Appends the user records of <paramref name="record"/> to <paramref name="output"/>.</summary>
    /// <param name="shardHashRange">
    /// The hash range of the shard the record was read from. With <see cref="KplDeaggregatorOptions.DropAggregatesOutsideShardRange"/>,
    /// an aggregate with any sub-record whose effective hash key (its explicit hash key, else MD5 of its partition key)
    /// lies outside is dropped whole. Plain records are never filtered: Kinesis itself put them in this shard.
    /// </param>
    public DeaggregationResult Deaggregate(KinesisRecord record, List<UserRecord> output, HashKeyRange? shardHashRange = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);

        // A deserializer can leave Data null despite its type; treat that as an empty plain record.
        var data = record.Data ?? [];
        if (!IsAggregated(data))
        {
            output.Add(Whole(record, data));
            return DeaggregationResult.Plain;
        }

        // The KCL needs more than the 16 checksum bytes after the magic; anything shorter cannot hold a record.
        if (data.Length <= KplFormat.Magic.Length + KplFormat.ChecksumLength)
        {
            return PassThrough(record, data, output, DeaggregationResult.PassedThrough(
                KplCorruption.TooShort, $"{data.Length} bytes is too short for the magic, a message and the MD5 trailer."));
        }

        if (!ChecksumMatches(data))
        {
            return PassThrough(record, data, output, DeaggregationResult.PassedThrough(
                KplCorruption.ChecksumMismatch, "The MD5 trailer does not match the protobuf bytes."));
        }

        var result = AggregateDecoder.Decode(record, data, output, _dropOutsideShardRange ? shardHashRange : null);
        switch (result.Outcome)
        {
            case DeaggregationOutcome.CorruptPassedThrough:
                return PassThrough(record, data, output, result);
            case DeaggregationOutcome.DroppedOutsideShardRange:
                KplMetrics.RecordDropped(result.DroppedRecordCount);
                return result;
            default:
                return result;
        }
    }

    private static bool ChecksumMatches(byte[] data)
    {
        var body = data.AsSpan(KplFormat.Magic.Length, data.Length - KplFormat.Magic.Length - KplFormat.ChecksumLength);
        Span<byte> digest = stackalloc byte[KplFormat.ChecksumLength];
        MD5.HashData(body, digest);
        return digest.SequenceEqual(data.AsSpan(data.Length - KplFormat.ChecksumLength));
    }

    private static DeaggregationResult PassThrough(KinesisRecord record, byte[] data, List<UserRecord> output, DeaggregationResult result)
    {
        KplMetrics.RecordCorrupt(result.Corruption);
        output.Add(Whole(record, data));
        return result;
    }

    private static UserRecord Whole(KinesisRecord record, byte[] data) => new(
        data,
        record.PartitionKey,
        ExplicitHashKey: null,
        record.SequenceNumber,
        SubSequenceNumber: 0,
        record.ApproximateArrivalTimestamp,
        IsFromAggregate: false);
}
