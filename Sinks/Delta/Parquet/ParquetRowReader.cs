using Parquet;
using Parquet.Schema;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Reads a Parquet file's rows back into object trees (the inverse of <see cref="ParquetRowWriter"/>'s shredding),
/// keeping only the top-level fields and nested paths <c>select</c> accepts: a struct reads as a
/// <c>Dictionary&lt;string, object?&gt;</c> by field name, a map as a list of key/value pairs, a list as a list, a leaf
/// as its CLR value (<c>string</c> for strings, <c>DateTime</c> UTC for timestamps).
/// </summary>
internal static class ParquetRowReader
{
    /// <param name="select">Whether a field (by dotted path: <c>add</c>, <c>add.path</c>) is read; a map or list is read whole.</param>
    public static async Task<List<Dictionary<string, object?>>> ReadAsync(Stream file, Func<string, bool>? select, CancellationToken cancellationToken)
    {
        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { TreatByteArrayAsString = true }, cancellationToken: cancellationToken);
        var nodes = reader.Schema.Fields.Select(f => Node.Build(f, f.Name, select ?? (_ => true))).OfType<Node>().ToList();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            foreach (var leaf in nodes.SelectMany(n => n.Leaves))
            {
                await leaf.ReadAsync(group, cancellationToken);
            }

            for (long r = 0; r < group.RowCount; r++)
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var node in nodes)
                {
                    row[node.Field.Name] = node.Assemble();
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    private sealed class Node
    {
        private Node(Field field, List<Node> children)
        {
            Field = field;
            Children = children;
            Leaves = field is DataField ? [this] : [.. children.SelectMany(c => c.Leaves)];
        }

        public Field Field { get; }

        public List<Node> Children { get; }

        public List<Node> Leaves { get; }

        // Leaf state: the column's levels and its non-null values, with read positions.
        private object[] _values = [];
        private int[]? _definitions;
        private int[]? _repetitions;
        private int _count;
        private int _position;
        private int _valuePosition;

        public static Node? Build(Field field, string path, Func<string, bool> select)
        {
            if (!select(path))
            {
                return null;
            }

            return field switch
            {
                DataField => new Node(field, []),
                StructField s => s.Fields.Select(f => Build(f, $"{path}.{f.Name}", select)).OfType<Node>().ToList() is { Count: > 0 } children
                    ? new Node(field, children)
                    : null,
                MapField m => new Node(field, [Build(m.Key, path + ".key", _ => true)!, Build(m.Value, path + ".value", _ => true)!]),
                ListField l => new Node(field, [Build(l.Item, path + ".element", _ => true)!]),
                _ => null,
            };
        }

        public async Task ReadAsync(ParquetRowGroupReader group, CancellationToken cancellationToken)
        {
            var data = (DataField)Field;
            var total = checked((int)(group.GetMetadata(data)?.MetaData?.NumValues ?? throw new InvalidDataException($"Parquet column '{data.Path}' has no data.")));
            _definitions = data.MaxDefinitionLevel > 0 ? new int[total] : null;
            _repetitions = data.MaxRepetitionLevel > 0 ? new int[total] : null;
            _count = total;
            _position = 0;
            _valuePosition = 0;
            var type = data.ClrType;
            _values = type == typeof(long) ? await ReadAsync<long>(group, data, total, cancellationToken)
                : type == typeof(int) ? await ReadAsync<int>(group, data, total, cancellationToken)
                : type == typeof(double) ? await ReadAsync<double>(group, data, total, cancellationToken)
                : type == typeof(float) ? await ReadAsync<float>(group, data, total, cancellationToken)
                : type == typeof(bool) ? await ReadAsync<bool>(group, data, total, cancellationToken)
                : type == typeof(short) ? await ReadAsync<short>(group, data, total, cancellationToken)
                : type == typeof(DateTime) ? await ReadAsync<DateTime>(group, data, total, cancellationToken)
                : type == typeof(ReadOnlyMemory<char>) ? [.. (await ReadAsync<ReadOnlyMemory<char>>(group, data, total, cancellationToken)).Select(v => (object)((ReadOnlyMemory<char>)v).ToString())]
                : throw new NotSupportedException($"Parquet column '{data.Path}' of {type.Name} cannot be read here.");
        }

        private async Task<object[]> ReadAsync<T>(ParquetRowGroupReader group, DataField data, int total, CancellationToken cancellationToken)
            where T : struct
        {
            var values = new T[total];
            // Typed as Nullable: a null int[] would convert to an empty, non-null Memory.
            await group.ReadRawAsync<T>(
                data, values, _definitions is null ? (Memory<int>?)null : _definitions, _repetitions is null ? (Memory<int>?)null : _repetitions, cancellationToken);
            var present = _definitions is null ? total : _definitions.Count(d => d == data.MaxDefinitionLevel);
            var result = new object[present];
            for (var i = 0; i < present; i++)
            {
                result[i] = values[i];
            }

            return result;
        }

        private int Definition => _definitions?[_position] ?? Field.MaxDefinitionLevel;

        private bool NextContinues(int repetitionLevel) =>
            _position < _count && _repetitions is not null && _repetitions[_position] >= repetitionLevel;

        public object? Assemble()
        {
            switch (Field)
            {
                case DataField data:
                    var present = Definition == data.MaxDefinitionLevel;
                    _position++;
                    return present ? _values[_valuePosition++] : null;

                case StructField structure:
                    if (Leaves[0].Definition < structure.MaxDefinitionLevel)
                    {
                        Skip();
                        return null;
                    }

                    return Children.ToDictionary(c => c.Field.Name, c => c.Assemble(), StringComparer.Ordinal);

                case MapField map:
                    if (Leaves[0].Definition < map.MaxDefinitionLevel)
                    {
                        var empty = Leaves[0].Definition == map.MaxDefinitionLevel - 1;
                        Skip();
                        return empty ? new List<KeyValuePair<string, object?>>() : null;
                    }

                    var entries = new List<KeyValuePair<string, object?>>();
                    do
                    {
                        var key = Children[0].Assemble();
                        entries.Add(new(key?.ToString() ?? "", Children[1].Assemble()));
                    }
                    while (Leaves[0].NextContinues(map.MaxRepetitionLevel));

                    return entries;

                case ListField list:
                    if (Leaves[0].Definition < list.MaxDefinitionLevel)
                    {
                        var empty = Leaves[0].Definition == list.MaxDefinitionLevel - 1;
                        Skip();
                        return empty ? new List<object?>() : null;
                    }

                    var items = new List<object?>();
                    do
                    {
                        items.Add(Children[0].Assemble());
                    }
                    while (Leaves[0].NextContinues(list.MaxRepetitionLevel));

                    return items;

                default:
                    return null;
            }
        }

        // An absent subtree holds one entry in each of its columns.
        private void Skip()
        {
            foreach (var leaf in Leaves)
            {
                leaf._position++;
            }
        }
    }
}
