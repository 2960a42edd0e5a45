using System.Buffers;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>
/// Decodes the protobuf <c>AggregatedRecord</c> of a checksum-verified aggregate. The message is walked three times
/// (count the tables, locate their entries, decode the records) so that fields may come in any order without
/// buffering; each walk only hops over length prefixes. Records are appended as they are decoded and removed again
/// if a later one proves the aggregate invalid, so the caller sees all of them or none.
/// </summary>
internal static class AggregateDecoder
{
    public static DeaggregationResult Decode(KinesisRecord record, byte[] data, List<UserRecord> output, HashKeyRange? filterRange)
    {
        var start = KplFormat.Magic.Length;
        var end = data.Length - KplFormat.ChecksumLength;
        if (!TryCount(data, start, end, out var keyCount, out var hashKeyCount, out var recordCount))
        {
            return DeaggregationResult.PassedThrough(KplCorruption.MalformedProtobuf, "The AggregatedRecord protobuf is malformed.");
        }

        if (recordCount == 0)
        {
            return DeaggregationResult.PassedThrough(KplCorruption.NoRecords, "The aggregate holds no records.");
        }

        var keys = Rent(keyCount);
        var hashKeys = Rent(hashKeyCount);
        var first = output.Count;
        try
        {
            FillTables(data, start, end, keys, hashKeys);
            var tables = new Tables(keys.AsSpan(0, keyCount), hashKeys.AsSpan(0, hashKeyCount));
            var failure = DecodeRecords(record, data, start, end, tables, output, filterRange, out var outsideRange);
            if (failure.Kind != KplCorruption.None)
            {
                output.RemoveRange(first, output.Count - first);
                return DeaggregationResult.PassedThrough(failure.Kind, failure.Reason!);
            }

            if (outsideRange)
            {
                output.RemoveRange(first, output.Count - first);
                return DeaggregationResult.Dropped(recordCount);
            }

            return DeaggregationResult.Aggregated(recordCount);
        }
        finally
        {
            Return(keys);
            Return(hashKeys);
        }
    }

    private static bool TryCount(ReadOnlySpan<byte> data, int start, int end, out int keyCount, out int hashKeyCount, out int recordCount)
    {
        keyCount = hashKeyCount = recordCount = 0;
        var reader = new ProtoReader(data, start, end);
        while (!reader.IsAtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType))
            {
                return false;
            }

            if (wireType == WireType.LengthDelimited && field is >= KplFormat.PartitionKeyTableField and <= KplFormat.RecordsField)
            {
                if (!reader.TryReadLengthDelimited(out _, out _))
                {
                    return false;
                }

                _ = field switch
                {
                    KplFormat.PartitionKeyTableField => keyCount++,
                    KplFormat.ExplicitHashKeyTableField => hashKeyCount++,
                    _ => recordCount++,
                };
            }
            else if (!reader.TrySkip(field, wireType))
            {
                return false;
            }
        }

        return true;
    }

    // TryCount has validated the walk already, so it cannot fail here.
    private static void FillTables(ReadOnlySpan<byte> data, int start, int end, KeyTableEntry[] keys, KeyTableEntry[] hashKeys)
    {
        int keyIndex = 0, hashKeyIndex = 0;
        var reader = new ProtoReader(data, start, end);
        while (!reader.IsAtEnd && reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType == WireType.LengthDelimited && field is KplFormat.PartitionKeyTableField or KplFormat.ExplicitHashKeyTableField)
            {
                reader.TryReadLengthDelimited(out var entryStart, out var entryLength);
                if (field == KplFormat.PartitionKeyTableField)
                {
                    keys[keyIndex++] = new KeyTableEntry(entryStart, entryLength);
                }
                else
                {
                    hashKeys[hashKeyIndex++] = new KeyTableEntry(entryStart, entryLength);
                }
            }
            else
            {
                reader.TrySkip(field, wireType);
            }
        }
    }

    private static Failure DecodeRecords(
        KinesisRecord record,
        byte[] data,
        int start,
        int end,
        Tables tables,
        List<UserRecord> output,
        HashKeyRange? filterRange,
        out bool outsideRange)
    {
        outsideRange = false;
        long subSequenceNumber = 0;
        var reader = new ProtoReader(data, start, end);
        while (!reader.IsAtEnd && reader.TryReadTag(out var field, out var wireType))
        {
            if (wireType != WireType.LengthDelimited || field != KplFormat.RecordsField)
            {
                reader.TrySkip(field, wireType);
                continue;
            }

            reader.TryReadLengthDelimited(out var recordStart, out var recordLength);
            var failure = TryReadRecord(data, recordStart, recordStart + recordLength, subSequenceNumber, out var fields);
            if (failure.Kind != KplCorruption.None)
            {
                return failure;
            }

            if (fields.KeyIndex >= (ulong)tables.Keys.Length)
            {
                return new Failure(
                    KplCorruption.IndexOutOfRange,
                    $"Record {subSequenceNumber} has partition_key_index {fields.KeyIndex}, but the table has {tables.Keys.Length} entries.");
            }

            ref var key = ref tables.Keys[(int)fields.KeyIndex];
            string? explicitHashKey = null;
            UInt128 hashKey = default;
            if (fields.HasHashKeyIndex)
            {
                if (fields.HashKeyIndex >= (ulong)tables.HashKeys.Length)
                {
                    return new Failure(
                        KplCorruption.IndexOutOfRange,
                        $"Record {subSequenceNumber} has explicit_hash_key_index {fields.HashKeyIndex}, but the table has {tables.HashKeys.Length} entries.");
                }

                ref var entry = ref tables.HashKeys[(int)fields.HashKeyIndex];
                if (!entry.TryGetExplicitHashKey(data, out hashKey))
                {
                    return new Failure(
                        KplCorruption.InvalidExplicitHashKey,
                        $"Record {subSequenceNumber} has explicit hash key '{entry.Value(data)}', which is not a decimal number from 0 to 2^128-1.");
                }

                explicitHashKey = entry.Value(data);
            }

            // Once one sub-record is outside, the aggregate is dropped: the rest are only checked for corruption.
            if (filterRange is not null && !outsideRange)
            {
                var effectiveHashKey = fields.HasHashKeyIndex ? hashKey : key.PartitionKeyHash(data);
                outsideRange = !filterRange.Contains(effectiveHashKey);
            }

            output.Add(new UserRecord(
                new ReadOnlyMemory<byte>(data, fields.DataStart, fields.DataLength),
                key.Value(data),
                explicitHashKey,
                record.SequenceNumber,
                subSequenceNumber,
                record.ApproximateArrivalTimestamp,
                IsFromAggregate: true));
            subSequenceNumber++;
        }

        return default;
    }

    private static Failure TryReadRecord(ReadOnlySpan<byte> data, int start, int end, long index, out RecordFields fields)
    {
        fields = default;
        bool hasKeyIndex = false, hasData = false;
        var reader = new ProtoReader(data, start, end);
        while (!reader.IsAtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType))
            {
                return Malformed(index);
            }

            // As in protobuf, a known field number under another wire type is an unknown field; the last value wins.
            bool ok;
            switch ((field, wireType))
            {
                case (KplFormat.PartitionKeyIndexField, WireType.Varint):
                    ok = hasKeyIndex = reader.TryReadVarint(out fields.KeyIndex);
                    break;
                case (KplFormat.ExplicitHashKeyIndexField, WireType.Varint):
                    ok = fields.HasHashKeyIndex = reader.TryReadVarint(out fields.HashKeyIndex);
                    break;
                case (KplFormat.DataField, WireType.LengthDelimited):
                    ok = hasData = reader.TryReadLengthDelimited(out fields.DataStart, out fields.DataLength);
                    break;
                case (KplFormat.TagsField, WireType.LengthDelimited):
                    if (!reader.TryReadLengthDelimited(out var tagStart, out var tagLength))
                    {
                        return Malformed(index);
                    }

                    var tagFailure = CheckTag(data, tagStart, tagStart + tagLength, index);
                    if (tagFailure.Kind != KplCorruption.None)
                    {
                        return tagFailure;
                    }

                    ok = true;
                    break;
                default:
                    ok = reader.TrySkip(field, wireType);
                    break;
            }

            if (!ok)
            {
                return Malformed(index);
            }
        }

        return hasKeyIndex && hasData
            ? default
            : new Failure(KplCorruption.MissingRequiredField, $"Record {index} lacks {(hasKeyIndex ? "data" : "partition_key_index")}.");
    }

    // Neither the KPL nor the KCL uses tags, but protobuf-java rejects a Tag without its required key, and so do we.
    private static Failure CheckTag(ReadOnlySpan<byte> data, int start, int end, long index)
    {
        var hasKey = false;
        var reader = new ProtoReader(data, start, end);
        while (!reader.IsAtEnd)
        {
            if (!reader.TryReadTag(out var field, out var wireType))
            {
                return Malformed(index);
            }

            var ok = field == KplFormat.TagKeyField && wireType == WireType.LengthDelimited
                ? hasKey = reader.TryReadLengthDelimited(out _, out _)
                : reader.TrySkip(field, wireType);
            if (!ok)
            {
                return Malformed(index);
            }
        }

        return hasKey ? default : new Failure(KplCorruption.MissingRequiredField, $"Record {index} has a tag without a key.");
    }

    private static Failure Malformed(long index) => new(KplCorruption.MalformedProtobuf, $"Record {index} is malformed protobuf.");

    private static KeyTableEntry[] Rent(int count) => count == 0 ? [] : ArrayPool<KeyTableEntry>.Shared.Rent(count);

    private static void Return(KeyTableEntry[] entries)
    {
        if (entries.Length > 0)
        {
            // The entries cache strings: clear them so the pool does not keep them alive.
            ArrayPool<KeyTableEntry>.Shared.Return(entries, clearArray: true);
        }
    }

    private readonly record struct Failure(KplCorruption Kind, string? Reason);

    private struct RecordFields
    {
        public ulong KeyIndex;
        public ulong HashKeyIndex;
        public bool HasHashKeyIndex;
        public int DataStart;
        public int DataLength;
    }

    private readonly ref struct Tables(Span<KeyTableEntry> keys, Span<KeyTableEntry> hashKeys)
    {
        public readonly Span<KeyTableEntry> Keys = keys;
        public readonly Span<KeyTableEntry> HashKeys = hashKeys;
    }
}
