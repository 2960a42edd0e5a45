using System.Text.Json;
using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.KeyedState.Storage;

/// <summary>The dead letters a partition stages in its store (key kind 2) until a barrier made them durable.</summary>
internal static class StagedDeadLetters
{
    /// <summary>Adds <paramref name="letters"/> to <paramref name="batch"/>, keyed by their record, so a replay stages each once.</summary>
    public static void Put(IKeyValueBatch batch, IEnumerable<StagedDeadLetter> letters)
    {
        foreach (var staged in letters)
        {
            var letter = staged.Letter;
            batch.Put(StateKeys.DeadLetter(letter.ShardId, letter.SequenceNumber, letter.SubSequenceNumber), JsonSerializer.SerializeToUtf8Bytes(staged, StateSerializer.Options));
        }
    }

    /// <summary>The dead letters staged in the store: in a barrier, the ones it makes durable (read before its snapshot).</summary>
    public static List<(byte[] Key, StagedDeadLetter Staged)> Collect(IKeyValueStore store)
    {
        var letters = new List<(byte[] Key, StagedDeadLetter Staged)>();
        var (lower, upper) = StateKeys.DeadLetterRange;
        store.Scan(lower, upper, (key, value) =>
        {
            letters.Add((key.ToArray(), JsonSerializer.Deserialize<StagedDeadLetter>(value, StateSerializer.Options)!));
            return true;
        });
        return letters;
    }
}
