using System.Text.Json;
using KinesisGrains.Runtime.Diagnostics;
using KinesisGrains.Runtime.Serialization;
using KinesisGrains.Runtime.Streams;

namespace KinesisGrains.Runtime.DeadLetters;

/// <summary>Appends dead letters as JSON lines to <c>dead-letters-YYYYMMDD.jsonl</c> in a local folder.</summary>
public sealed class LocalDeadLetterQueue : IDeadLetterQueue
{
    private readonly string _directory;
    private readonly Lock _lock = new();
    private long _count;

    public LocalDeadLetterQueue(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public string FolderPath => _directory;

    /// <summary>Dead letters this queue wrote since it was created (the status endpoint's count).</summary>
    public long Count => Interlocked.Read(ref _count);

    public void Add(StreamRecord record, string reason) => Append(record, reason);

    /// <summary>Writes the letter and returns it (for queues that also ship letters elsewhere).</summary>
    public DeadLetter Append(StreamRecord record, string reason)
    {
        var letter = new DeadLetter(
            record.ShardId,
            record.SequenceNumber,
            record.SubSequenceNumber,
            record.PartitionKey,
            record.ApproximateArrivalTimestamp,
            DateTimeOffset.UtcNow,
            reason,
            Convert.ToBase64String(record.Data.Span));
        var line = JsonSerializer.Serialize(letter, StateSerializer.Options) + "\n";
        var path = Path.Combine(_directory, $"dead-letters-{DateTime.UtcNow:yyyyMMdd}.jsonl");
        lock (_lock)
        {
            File.AppendAllText(path, line);
        }

        Interlocked.Increment(ref _count);
        RuntimeMetrics.DeadLetters.Add(1);
        return letter;
    }

    /// <summary>Reads back every dead letter in the folder (for tools and tests).</summary>
    public IEnumerable<DeadLetter> ReadAll() =>
        Directory.EnumerateFiles(_directory, "dead-letters-*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<DeadLetter>(line, StateSerializer.Options)!);
}
