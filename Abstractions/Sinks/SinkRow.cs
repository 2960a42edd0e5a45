namespace KinesisGrains.Abstractions.Sinks;

/// <summary>
/// One row an output staged, as it was made durable: its JSON object (the columns of the batch's
/// <see cref="RowSchema"/>), the state key it came from, and an id that is the same each time the row is handed over
/// again (a consumer of an at-least-once sink drops duplicates by it).
/// </summary>
/// <param name="RowId">Deterministic: <c>{state}/{partition}/{epoch}/e{n}</c> for an emitted row (its n-th in the epoch), <c>{state}/{partition}/{epoch}/c/{key}</c> for a changelog row.</param>
/// <param name="Key">The state key whose logic emitted the row, or whose state it is.</param>
/// <param name="Json">The row as a UTF-8 JSON object.</param>
public sealed record SinkRow(string RowId, string Key, ReadOnlyMemory<byte> Json);
