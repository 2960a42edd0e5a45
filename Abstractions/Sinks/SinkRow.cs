using System.Globalization;

namespace KinesisGrains.Abstractions.Sinks;

/// <summary>
/// One row an output staged, as it was made durable: its JSON object (the columns of the batch's
/// <see cref="RowSchema"/>), the state key it came from, and an id that is the same each time the row is handed over
/// again (a consumer of an at-least-once sink drops duplicates by it).
/// </summary>
public sealed class SinkRow
{
    private readonly (string StateName, int Partition, long Epoch, int Number)? _emitted;
    private string? _rowId;

    /// <param name="rowId">Deterministic: see <see cref="RowId"/>.</param>
    /// <param name="key">The state key whose logic emitted the row, or whose state it is.</param>
    /// <param name="json">The row as a UTF-8 JSON object.</param>
    public SinkRow(string rowId, string key, ReadOnlyMemory<byte> json)
    {
        _rowId = rowId;
        Key = key;
        Json = json;
    }

    private SinkRow((string, int, long, int)? emitted, string? rowId, string key, ReadOnlyMemory<byte> json)
    {
        _emitted = emitted;
        _rowId = rowId;
        Key = key;
        Json = json;
    }

    /// <summary>
    /// <c>{state}/{partition}/{epoch}/e{n}</c> for an emitted row (its n-th in the epoch), <c>{state}/{partition}/{epoch}/c/{key}</c>
    /// for a changelog row. Made when first asked (only some sinks need it).
    /// </summary>
    public string RowId => _rowId ??= string.Create(CultureInfo.InvariantCulture, $"{_emitted!.Value.StateName}/{_emitted.Value.Partition}/{_emitted.Value.Epoch}/e{_emitted.Value.Number}");

    /// <summary>The state key whose logic emitted the row, or whose state it is.</summary>
    public string Key { get; }

    /// <summary>The row as a UTF-8 JSON object.</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>The <paramref name="number"/>-th row emitted in <paramref name="epoch"/> of a partition.</summary>
    public static SinkRow Emitted(string stateName, int partition, long epoch, int number, string key, ReadOnlyMemory<byte> json) =>
        new((stateName, partition, epoch, number), null, key, json);

    /// <summary>The changelog row of <paramref name="key"/> in <paramref name="epoch"/> of a partition.</summary>
    public static SinkRow Changelog(string stateName, int partition, long epoch, string key, ReadOnlyMemory<byte> json) =>
        new(null, string.Create(CultureInfo.InvariantCulture, $"{stateName}/{partition}/{epoch}/c/{key}"), key, json);
}
