using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using KinesisGrains.Abstractions.Sinks;

namespace KinesisGrains.Sinks.DynamoDB;

/// <summary>
/// Turns an epoch's rows into one write per item key: the last row of a key wins, a changelog row with
/// <c>deleted=true</c> deletes the item. Columns become attributes by the batch's <see cref="RowSchema"/>.
/// </summary>
/// <remarks>
/// A null column is left out of the item rather than written as NULL: a put replaces the whole item, so a reader sees
/// the attribute missing either way, and sparse indexes work. Inside a map a null value is kept, as NULL.
/// </remarks>
internal sealed class DynamoDBItemMapper(DynamoDBSinkOptions options)
{
    /// <summary>DynamoDB's limit on one item, names and values together.</summary>
    public const int MaxItemBytes = 400 * 1024;

    private static readonly double MaxNumber = 9.9999999999999999999999999999999999999E+125;
    private static readonly double MinPositiveNumber = 1E-130;

    /// <summary>One write per item key, in the order of each key's last row.</summary>
    public List<WriteRequest> Map(SinkEpochBatch batch)
    {
        CheckSchema(batch.Schema);
        var epoch = new AttributeValue { N = batch.Epoch.ToString(CultureInfo.InvariantCulture) };
        var partition = new AttributeValue { N = batch.Partition.ToString(CultureInfo.InvariantCulture) };
        var latest = new Dictionary<string, int>(StringComparer.Ordinal);
        var writes = new List<WriteRequest?>(batch.Rows.Count);
        foreach (var row in batch.Rows)
        {
            var write = Map(batch, row, epoch, partition, out var itemKey);
            if (latest.TryGetValue(itemKey, out var earlier))
            {
                // BatchWriteItem refuses two requests for one key in a call; the later row is the newer state.
                writes[earlier] = null;
            }

            latest[itemKey] = writes.Count;
            writes.Add(write);
        }

        return writes.OfType<WriteRequest>().ToList();
    }

    private void CheckSchema(RowSchema schema)
    {
        foreach (var column in schema.Columns)
        {
            if (column.Name is DynamoDBSink.EpochAttribute or DynamoDBSink.PartitionAttribute)
            {
                throw new InvalidOperationException(
                    $"Sink '{options.Name}': the rows ({schema.Description}) have a column '{column.Name}', an attribute the DynamoDB sink writes itself; rename the property.");
            }
        }

        if (options.KeyColumn is { } keyColumn && schema.Columns.FirstOrDefault(c => c.Name == keyColumn) is not { Type: RowColumnType.String })
        {
            throw new InvalidOperationException(
                $"Sink '{options.Name}': {options.Section}KeyColumn '{keyColumn}' is not a string column of the rows ({schema.Description}: {string.Join(", ", schema.Columns.Select(c => $"{c.Name} {c.Type}"))}).");
        }
    }

    private WriteRequest Map(SinkEpochBatch batch, SinkRow row, AttributeValue epoch, AttributeValue partition, out string itemKey)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(row.Json);
        }
        catch (JsonException exception)
        {
            throw new SinkRowException(options.Name, row.RowId, $"its JSON does not parse ({exception.Message}).");
        }

        using (document)
        {
            var json = document.RootElement;
            if (json.ValueKind != JsonValueKind.Object)
            {
                throw new SinkRowException(options.Name, row.RowId, $"its JSON is a {json.ValueKind}, not an object.");
            }

            itemKey = ItemKey(row, json);
            var key = new Dictionary<string, AttributeValue> { [options.KeyAttribute] = new AttributeValue { S = itemKey } };
            if (batch.Output == SinkOutputKind.Changelog
                && json.TryGetProperty(RowSchema.DeletedColumn, out var deleted) && deleted.ValueKind == JsonValueKind.True)
            {
                return new WriteRequest { DeleteRequest = new DeleteRequest { Key = key } };
            }

            var item = key;
            foreach (var column in batch.Schema.Columns)
            {
                // A live changelog row's deleted=false says nothing an existing item does not.
                if (batch.Output == SinkOutputKind.Changelog && column.Name == RowSchema.DeletedColumn)
                {
                    continue;
                }

                if (!json.TryGetProperty(column.Name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                var attribute = Attribute(row, column.Name, column.Type, column.ValueType, value);
                if (column.Name == options.KeyAttribute)
                {
                    if (attribute.S != itemKey)
                    {
                        throw new SinkRowException(options.Name, row.RowId,
                            $"its column '{column.Name}' is also the table's key attribute, and its value is not the item key '{itemKey}'; set {options.Section}KeyAttribute or {options.Section}KeyColumn.");
                    }

                    continue;
                }

                item[column.Name] = attribute;
            }

            item[DynamoDBSink.EpochAttribute] = epoch;
            item[DynamoDBSink.PartitionAttribute] = partition;
            if (Size(item) is var size and > MaxItemBytes)
            {
                throw new SinkRowException(options.Name, row.RowId, $"its item is about {size:N0} bytes, over DynamoDB's {MaxItemBytes:N0} per item.");
            }

            return new WriteRequest { PutRequest = new PutRequest { Item = item } };
        }
    }

    private string ItemKey(SinkRow row, JsonElement json)
    {
        string? key = row.Key;
        if (options.KeyColumn is { } column)
        {
            key = json.TryGetProperty(column, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        if (string.IsNullOrEmpty(key))
        {
            throw new SinkRowException(options.Name, row.RowId,
                options.KeyColumn is null ? "its state key is empty, and an item key cannot be." : $"its key column '{options.KeyColumn}' is null or empty, and an item key cannot be.");
        }

        if (key.StartsWith(DynamoDBSink.ProgressKeyPrefix, StringComparison.Ordinal))
        {
            throw new SinkRowException(options.Name, row.RowId, $"its item key '{key}' starts with '{DynamoDBSink.ProgressKeyPrefix}', which the sink keeps for its progress items.");
        }

        if (Encoding.UTF8.GetByteCount(key) > 2048)
        {
            throw new SinkRowException(options.Name, row.RowId, "its item key is over DynamoDB's 2048 bytes for a partition key.");
        }

        return key;
    }

    private AttributeValue Attribute(SinkRow row, string column, RowColumnType type, RowColumnType? valueType, JsonElement value)
    {
        switch (type)
        {
            case RowColumnType.String when value.ValueKind == JsonValueKind.String:
                return new AttributeValue { S = value.GetString() };
            case RowColumnType.Long or RowColumnType.Integer when value.TryGetInt64(out var integer):
                return new AttributeValue { N = integer.ToString(CultureInfo.InvariantCulture) };
            case RowColumnType.Double when value.ValueKind == JsonValueKind.Number:
                return new AttributeValue { N = Number(row, column, value.GetDouble()) };
            case RowColumnType.Double when value.ValueKind == JsonValueKind.String:
                // System.Text.Json writes NaN and the infinities as strings when asked to; DynamoDB numbers hold neither.
                throw new SinkRowException(options.Name, row.RowId, $"its column '{column}' is {value.GetString()}, which a DynamoDB number cannot hold.");
            case RowColumnType.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return new AttributeValue { BOOL = value.GetBoolean() };
            case RowColumnType.Timestamp when value.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant):
                return new AttributeValue { S = Timestamp(instant) };
            case RowColumnType.Map when value.ValueKind == JsonValueKind.Object && valueType is { } entryType:
                var map = new Dictionary<string, AttributeValue>();
                foreach (var entry in value.EnumerateObject())
                {
                    map[entry.Name] = entry.Value.ValueKind == JsonValueKind.Null
                        ? new AttributeValue { NULL = true }
                        : Attribute(row, $"{column}.{entry.Name}", entryType, null, entry.Value);
                }

                return new AttributeValue { M = map };
            default:
                throw new SinkRowException(options.Name, row.RowId, $"its column '{column}' should be a {type} by the schema, and its JSON is {Shorten(value.GetRawText())}.");
        }
    }

    /// <summary>ISO-8601 in UTC with a fixed six-digit fraction, so string order is time order.</summary>
    internal static string Timestamp(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private string Number(SinkRow row, string column, double number)
    {
        var magnitude = Math.Abs(number);
        if (!double.IsFinite(number) || magnitude > MaxNumber || (magnitude != 0 && magnitude < MinPositiveNumber))
        {
            throw new SinkRowException(options.Name, row.RowId, $"its column '{column}' is {number.ToString("R", CultureInfo.InvariantCulture)}, outside what a DynamoDB number holds (1E-130 to 9.99E+125).");
        }

        return number.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>DynamoDB's item size rule, near enough: names and values in UTF-8, numbers about a byte per two digits.</summary>
    private static int Size(Dictionary<string, AttributeValue> item) =>
        item.Sum(pair => Encoding.UTF8.GetByteCount(pair.Key) + Size(pair.Value));

    private static int Size(AttributeValue value) =>
        value.S is { } s ? Encoding.UTF8.GetByteCount(s)
        : value.N is { } n ? (n.Length / 2) + 1
        : value.M is { } m ? 3 + m.Sum(pair => Encoding.UTF8.GetByteCount(pair.Key) + Size(pair.Value) + 1)
        : 1;

    private static string Shorten(string json) => json.Length <= 60 ? json : json[..57] + "...";
}
