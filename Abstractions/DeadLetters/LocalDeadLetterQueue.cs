using System.Text;
using System.Text.Json;
using KinesisGrains.Abstractions.Diagnostics;
using KinesisGrains.Abstractions.Serialization;

namespace KinesisGrains.Abstractions.DeadLetters;

/// <summary>
/// Writes dead letters as JSON lines in a local folder, one file per partition and epoch
/// (<see cref="DeadLetterFiles.NameOf"/>), each written whole (a temporary file renamed over it). Idempotent: a
/// record already written to this partition's file of that epoch or a later one is left out, so a partition that
/// hands its letters over again writes nothing twice; new letters for an existing file are added to it.
/// </summary>
public sealed class LocalDeadLetterQueue : IDeadLetterQueue
{
    private readonly string _directory;
    private readonly Lock _lock = new();
    private long _count;

    /// <summary>Keeps dead letters as files under <paramref name="directory"/>, created when missing.</summary>
    public LocalDeadLetterQueue(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <summary>The folder the dead-letter files are written to.</summary>
    public string FolderPath => _directory;

    /// <summary>Dead letters this queue wrote since it was created (the status endpoint's count).</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <inheritdoc/>
    public void Write(DeadLetterBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Letters.Count == 0)
        {
            return;
        }

        int written;
        lock (_lock)
        {
            // The partition's files of this epoch and later: a record in any of them is written already (a later
            // one holds it when the partition came back from an older snapshot and replayed it).
            var known = new HashSet<(string, string, long)>();
            string? existing = null;
            var content = new List<string>();
            foreach (var file in FilesOf(batch.Source))
            {
                if (file.Epoch < batch.Epoch)
                {
                    continue;
                }

                foreach (var line in File.ReadLines(file.Path).Where(line => line.Length > 0))
                {
                    known.Add(KeyOf(Parse(line)));
                    if (file.Epoch == batch.Epoch)
                    {
                        content.Add(line);
                    }
                }

                if (file.Epoch == batch.Epoch)
                {
                    existing = file.Path;
                }
            }

            var fresh = batch.Letters
                .Where(letter => known.Add(KeyOf(letter)))
                .OrderBy(letter => letter.ShardId, StringComparer.Ordinal)
                .ThenBy(letter => letter.SequenceNumber.Length)
                .ThenBy(letter => letter.SequenceNumber, StringComparer.Ordinal)
                .ThenBy(letter => letter.SubSequenceNumber)
                .ToList();
            if (fresh.Count == 0)
            {
                return;
            }

            var path = existing ?? Path.Combine(_directory, DeadLetterFiles.NameOf(batch.Source, batch.Epoch, fresh.Min(letter => letter.FailedAt)));
            var text = new StringBuilder();
            foreach (var line in content)
            {
                text.Append(line).Append('\n');
            }

            foreach (var letter in fresh)
            {
                text.Append(JsonSerializer.Serialize(letter, StateSerializer.Options)).Append('\n');
            }

            DeadLetterFiles.WriteAtomically(path, Encoding.UTF8.GetBytes(text.ToString()));
            written = fresh.Count;
        }

        Interlocked.Add(ref _count, written);
        AbstractionsMetrics.DeadLetters.Add(written);
    }

    /// <summary>The files not shipped as they are now (none shipped, or grown since), oldest epoch first.</summary>
    public IEnumerable<string> Unshipped() =>
        Directory.EnumerateFiles(_directory, "dead-letters-*.jsonl")
            .Where(path => DeadLetterFiles.TryParse(Path.GetFileName(path), out _, out _, out _) && !DeadLetterFiles.IsShipped(path))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Reads back every dead letter in the folder (for tools and tests).</summary>
    public IEnumerable<DeadLetter> ReadAll() =>
        Directory.EnumerateFiles(_directory, "dead-letters-*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadLines)
            .Where(line => line.Length > 0)
            .Select(Parse);

    private IEnumerable<(string Path, long Epoch)> FilesOf(string source)
    {
        foreach (var path in Directory.EnumerateFiles(_directory, $"dead-letters-*-{source}.e-*.jsonl"))
        {
            if (DeadLetterFiles.TryParse(Path.GetFileName(path), out var named, out var epoch, out _) && string.Equals(named, source, StringComparison.Ordinal))
            {
                yield return (path, epoch);
            }
        }
    }

    private static DeadLetter Parse(string line) => JsonSerializer.Deserialize<DeadLetter>(line, StateSerializer.Options)!;

    private static (string, string, long) KeyOf(DeadLetter letter) => (letter.ShardId, letter.SequenceNumber, letter.SubSequenceNumber);
}
