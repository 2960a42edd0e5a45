using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Sinks;
using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Sinks.Kinesis;

/// <summary>
/// How a row travels as a Kinesis record: the data is a JSON envelope
/// <c>{"rowId":"orders/3/17/e0","key":"user-42","partition":3,"epoch":17,"row":{...}}</c> with the row untouched
/// inside (no name of the row's columns can clash), and the partition key is the row's state key, so one key's
/// records go to one shard.
/// </summary>
/// <remarks>A state key over Kinesis' 256 characters is sent as <c>sha256:</c> and the hex of its SHA-256: deterministic, on one shard too.</remarks>
internal sealed record KinesisSinkRecord(string RowId, PutRecordsRequestEntry Entry, int Size)
{
    /// <summary>Kinesis' limit on one record, data and partition key together.</summary>
    public const int MaxRecordBytes = 1024 * 1024;

    /// <summary>Kinesis' limit on one PutRecords call, data and partition keys together.</summary>
    public const int MaxCallBytes = 5 * 1024 * 1024;

    public const int MaxPartitionKeyLength = 256;

    public static KinesisSinkRecord Encode(string sinkName, SinkEpochBatch batch, SinkRow row)
    {
        if (string.IsNullOrEmpty(row.Key))
        {
            throw new SinkRowException(sinkName, row.RowId, "its state key is empty, and a Kinesis partition key cannot be.");
        }

        var buffer = new ArrayBufferWriter<byte>(row.Json.Length + row.RowId.Length + row.Key.Length + 96);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("rowId", row.RowId);
            writer.WriteString("key", row.Key);
            writer.WriteNumber("partition", batch.Partition);
            writer.WriteNumber("epoch", batch.Epoch);
            writer.WritePropertyName("row");
            try
            {
                writer.WriteRawValue(row.Json.Span);
            }
            catch (JsonException exception)
            {
                throw new SinkRowException(sinkName, row.RowId, $"its JSON does not parse ({exception.Message}).");
            }

            writer.WriteEndObject();
        }

        var partitionKey = PartitionKey(row.Key);
        var size = buffer.WrittenCount + Encoding.UTF8.GetByteCount(partitionKey);
        if (size > MaxRecordBytes)
        {
            throw new SinkRowException(sinkName, row.RowId, $"its record is {size:N0} bytes, over Kinesis' {MaxRecordBytes:N0} per record.");
        }

        return new KinesisSinkRecord(row.RowId, new PutRecordsRequestEntry(buffer.WrittenMemory, partitionKey), size);
    }

    public static string PartitionKey(string stateKey) =>
        stateKey.Length <= MaxPartitionKeyLength
            ? stateKey
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stateKey)));

    /// <summary>Records in order, cut into PutRecords calls of at most 500 records and 5 MiB.</summary>
    public static IEnumerable<List<KinesisSinkRecord>> Calls(IEnumerable<KinesisSinkRecord> records)
    {
        var call = new List<KinesisSinkRecord>();
        var bytes = 0;
        foreach (var record in records)
        {
            if (call.Count == KinesisClient.MaxPutRecordsEntries || bytes + record.Size > MaxCallBytes)
            {
                yield return call;
                call = [];
                bytes = 0;
            }

            call.Add(record);
            bytes += record.Size;
        }

        if (call.Count > 0)
        {
            yield return call;
        }
    }
}
