using Parquet;
using Parquet.Schema;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Writes rows given as object trees into one row group of a Parquet.Net schema, computing every column's definition
/// and repetition levels itself (Dremel shredding) and handing them to the low-level writer: Parquet.Net's nullable
/// overloads only know flat columns, and its serializer cannot write maps of untyped rows. A row is an
/// <c>object?[]</c> aligned with the schema's fields; a struct value is an <c>object?[]</c> aligned with its fields, a
/// map value an <c>IReadOnlyList&lt;KeyValuePair&lt;string, object?&gt;&gt;</c>, a list value an
/// <c>IReadOnlyList&lt;object?&gt;</c>, a leaf value the field's CLR type (<c>string</c> for strings).
/// </summary>
internal sealed class ParquetRowWriter
{
    private readonly ParquetSchema _schema;
    private readonly Dictionary<DataField, Leaf> _leaves = new(ReferenceEqualityComparer.Instance);

    public ParquetRowWriter(ParquetSchema schema)
    {
        _schema = schema;
        foreach (var field in schema.GetDataFields())
        {
            _leaves.Add(field, new Leaf(field));
        }
    }

    public int RowCount { get; private set; }

    /// <exception cref="InvalidDataException">A null where the schema allows none: Parquet.Net would write it silently and leave a corrupt file.</exception>
    public void Add(IReadOnlyList<object?> row)
    {
        if (row.Count != _schema.Fields.Count)
        {
            throw new ArgumentException($"A row has {row.Count} values for {_schema.Fields.Count} fields.", nameof(row));
        }

        for (var i = 0; i < row.Count; i++)
        {
            Shred(_schema.Fields[i], row[i], 0, 0);
        }

        RowCount++;
    }

    /// <summary>Writes the rows added so far as one row group of a new file.</summary>
    public async Task<byte[]> ToFileAsync(ParquetOptions options, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(_schema, buffer, options, cancellationToken: cancellationToken))
        {
            using var group = writer.CreateRowGroup();
            foreach (var field in _schema.GetDataFields())
            {
                await _leaves[field].WriteAsync(group, cancellationToken);
            }

            group.CompleteValidate();
        }

        return buffer.ToArray();
    }

    private void Shred(Field field, object? value, int repetition, int definition)
    {
        switch (field)
        {
            case DataField data:
                if (value is null && !data.IsNullable)
                {
                    throw new InvalidDataException($"Parquet column '{data.Path}' is required but a row holds null in it.");
                }

                _leaves[data].Add(value, repetition, value is null ? definition : data.MaxDefinitionLevel);
                break;

            case StructField structure:
                if (value is null)
                {
                    Nulls(structure, repetition, definition);
                    break;
                }

                var values = (IReadOnlyList<object?>)value;
                for (var i = 0; i < structure.Fields.Count; i++)
                {
                    Shred(structure.Fields[i], values[i], repetition, structure.MaxDefinitionLevel);
                }

                break;

            case MapField map:
                if (value is null)
                {
                    Nulls(map, repetition, definition);
                    break;
                }

                var entries = (IReadOnlyList<KeyValuePair<string, object?>>)value;
                if (entries.Count == 0)
                {
                    Nulls(map, repetition, map.MaxDefinitionLevel - 1);
                    break;
                }

                for (var i = 0; i < entries.Count; i++)
                {
                    var entryRepetition = i == 0 ? repetition : map.MaxRepetitionLevel;
                    Shred(map.Key, entries[i].Key, entryRepetition, map.MaxDefinitionLevel);
                    Shred(map.Value, entries[i].Value, entryRepetition, map.MaxDefinitionLevel);
                }

                break;

            case ListField list:
                if (value is null)
                {
                    Nulls(list, repetition, definition);
                    break;
                }

                var items = (IReadOnlyList<object?>)value;
                if (items.Count == 0)
                {
                    Nulls(list, repetition, list.MaxDefinitionLevel - 1);
                    break;
                }

                for (var i = 0; i < items.Count; i++)
                {
                    Shred(list.Item, items[i], i == 0 ? repetition : list.MaxRepetitionLevel, list.MaxDefinitionLevel);
                }

                break;

            default:
                throw new NotSupportedException($"Parquet field '{field.Path}' ({field.SchemaType}) is not supported.");
        }
    }

    // An absent subtree: one entry at the given level in every column below it.
    private void Nulls(Field field, int repetition, int definition)
    {
        foreach (var leaf in ParquetFields.Leaves(field))
        {
            _leaves[leaf].Add(null, repetition, definition);
        }
    }

    private sealed class Leaf(DataField field)
    {
        private readonly List<object> _values = [];
        private readonly List<int> _definitions = [];
        private readonly List<int> _repetitions = [];

        public void Add(object? value, int repetition, int definition)
        {
            if (value is not null)
            {
                _values.Add(value);
            }

            _definitions.Add(definition);
            _repetitions.Add(repetition);
        }

        public Task WriteAsync(ParquetRowGroupWriter group, CancellationToken cancellationToken)
        {
            // Typed as Nullable: a null int[] would convert to an empty, non-null ReadOnlyMemory (zero rows).
            var definitions = field.MaxDefinitionLevel > 0 ? new ReadOnlyMemory<int>(_definitions.ToArray()) : (ReadOnlyMemory<int>?)null;
            var repetitions = field.MaxRepetitionLevel > 0 ? new ReadOnlyMemory<int>(_repetitions.ToArray()) : (ReadOnlyMemory<int>?)null;
            var type = field.ClrType;
            return type == typeof(long) ? group.WriteAllPartsAsync<long>(field, Values<long>(), definitions, repetitions, cancellationToken)
                : type == typeof(int) ? group.WriteAllPartsAsync<int>(field, Values<int>(), definitions, repetitions, cancellationToken)
                : type == typeof(double) ? group.WriteAllPartsAsync<double>(field, Values<double>(), definitions, repetitions, cancellationToken)
                : type == typeof(bool) ? group.WriteAllPartsAsync<bool>(field, Values<bool>(), definitions, repetitions, cancellationToken)
                : type == typeof(DateTime) ? group.WriteAllPartsAsync<DateTime>(field, Values<DateTime>(), definitions, repetitions, cancellationToken)
                : type == typeof(ReadOnlyMemory<char>) || type == typeof(string)
                    ? group.WriteAllPartsAsync<ReadOnlyMemory<char>>(field, _values.Select(v => ((string)v).AsMemory()).ToArray(), definitions, repetitions, cancellationToken)
                : throw new NotSupportedException($"Parquet column '{field.Path}' of {type.Name} is not supported.");
        }

        private T[] Values<T>() => [.. _values.Select(v => (T)v)];
    }
}
