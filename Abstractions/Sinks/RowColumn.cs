namespace KinesisGrains.Abstractions.Sinks;

/// <summary>One column of a <see cref="RowSchema"/>: its JSON name (the row's property in web casing), type and nullability.</summary>
/// <param name="ValueType">For <see cref="RowColumnType.Map"/>, the type of its values; otherwise null.</param>
public sealed record RowColumn(string Name, RowColumnType Type, bool Nullable, RowColumnType? ValueType = null);
