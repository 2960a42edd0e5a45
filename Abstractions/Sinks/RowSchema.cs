using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.Abstractions.Sinks;

/// <summary>
/// The columns of the rows an output hands to sinks, derived once from a row type's public properties (names as the
/// rows' JSON has them, <see cref="JsonSerializerDefaults.Web"/> casing). Every sink writes from it: the Delta table's
/// schema, DynamoDB attributes, Kinesis JSON.
/// </summary>
public sealed class RowSchema
{
    private RowSchema(IReadOnlyList<RowColumn> columns, string description)
    {
        Columns = columns;
        Description = description;
    }

    /// <summary>The columns in the order a row holds its values.</summary>
    public IReadOnlyList<RowColumn> Columns { get; }

    /// <summary>What the rows are, for errors and progress (e.g. <c>UserSummaryRow</c>, <c>changelog of UserActivityState</c>).</summary>
    public string Description { get; }

    /// <summary>The changelog's key column: the state key.</summary>
    public const string KeyColumn = "key";

    /// <summary>The changelog's deletion flag: true for a key whose state was removed (its other columns are null).</summary>
    public const string DeletedColumn = "deleted";

    /// <summary>The schema of rows of <paramref name="rowType"/>.</summary>
    /// <exception cref="NotSupportedException">A property's type is none of <see cref="RowColumnType"/>'s.</exception>
    public static RowSchema For(Type rowType) => new(ColumnsOf(rowType, forceNullable: false), rowType.Name);

    /// <summary>
    /// The schema of a changelog of <paramref name="stateType"/>: <c>key</c> (string, never null), <c>deleted</c>
    /// (boolean, never null), then the state's properties, all nullable (a deleted key has none).
    /// </summary>
    public static RowSchema Changelog(Type stateType)
    {
        var columns = new List<RowColumn> { new(KeyColumn, RowColumnType.String, false), new(DeletedColumn, RowColumnType.Boolean, false) };
        foreach (var column in ColumnsOf(stateType, forceNullable: true))
        {
            if (column.Name is KeyColumn or DeletedColumn)
            {
                throw new NotSupportedException($"{stateType.Name} has a property named '{column.Name}', which its changelog uses for itself; rename it.");
            }

            columns.Add(column);
        }

        return new RowSchema(columns, $"changelog of {stateType.Name}");
    }

    private static List<RowColumn> ColumnsOf(Type type, bool forceNullable)
    {
        var nullability = new NullabilityInfoContext();
        var columns = new List<RowColumn>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is null || property.GetIndexParameters().Length > 0 || property.IsDefined(typeof(JsonIgnoreAttribute)))
            {
                continue;
            }

            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var (columnType, valueType, nullable) = Map(type, property, nullability);
            columns.Add(new RowColumn(name, columnType, forceNullable || nullable, valueType));
        }

        if (columns.Count == 0)
        {
            throw new NotSupportedException($"{type.Name} has no public properties to make columns of.");
        }

        return columns;
    }

    private static (RowColumnType Type, RowColumnType? ValueType, bool Nullable) Map(Type owner, PropertyInfo property, NullabilityInfoContext nullability)
    {
        var type = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return (Scalar(underlying) ?? throw Unsupported(owner, property), null, true);
        }

        if (Scalar(type) is { } scalar)
        {
            var nullable = !type.IsValueType && nullability.Create(property).ReadState != NullabilityState.NotNull;
            return (scalar, null, nullable);
        }

        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary?.GetGenericArguments() is [var key, var value] && key == typeof(string)
            && Scalar(Nullable.GetUnderlyingType(value) ?? value) is { } valueType)
        {
            return (RowColumnType.Map, valueType, nullability.Create(property).ReadState != NullabilityState.NotNull);
        }

        throw Unsupported(owner, property);
    }

    private static RowColumnType? Scalar(Type type) =>
        type == typeof(string) ? RowColumnType.String
        : type == typeof(long) ? RowColumnType.Long
        : type == typeof(int) || type == typeof(short) || type == typeof(byte) ? RowColumnType.Integer
        : type == typeof(double) || type == typeof(float) ? RowColumnType.Double
        : type == typeof(bool) ? RowColumnType.Boolean
        : type == typeof(DateTimeOffset) || type == typeof(DateTime) ? RowColumnType.Timestamp
        : null;

    private static NotSupportedException Unsupported(Type owner, PropertyInfo property) =>
        new($"{owner.Name}.{property.Name} is a {property.PropertyType.Name}: sink rows hold string, long, int, double, bool, DateTimeOffset and Dictionary<string, one of those>.");
}
