using System.Globalization;
using System.Text.RegularExpressions;

namespace KinesisGrains.Abstractions.DeadLetters;

/// <summary>
/// The names of dead-letter files: <c>dead-letters-{yyyyMMdd}-{source}.e-{epoch}.jsonl</c>, one per partition and
/// epoch (the date is the first letter's, so a partition writing the same letters again, here or on another silo,
/// names the same file), and the <c>.shipped</c> marker beside a file, holding the length shipped to S3.
/// </summary>
internal static partial class DeadLetterFiles
{
    public const string ShippedSuffix = ".shipped";

    public static string NameOf(string source, long epoch, DateTimeOffset date) =>
        string.Create(CultureInfo.InvariantCulture, $"dead-letters-{date.UtcDateTime:yyyyMMdd}-{source}.e-{epoch:D10}.jsonl");

    /// <summary>Reads a file name written by <see cref="NameOf"/>; false for anything else (older daily files among them).</summary>
    public static bool TryParse(string fileName, out string source, out long epoch, out DateOnly date)
    {
        var match = NamePattern().Match(fileName);
        if (!match.Success)
        {
            (source, epoch, date) = (string.Empty, 0, default);
            return false;
        }

        source = match.Groups["source"].Value;
        epoch = long.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture);
        date = DateOnly.ParseExact(match.Groups["date"].Value, "yyyyMMdd", CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>True when the file's content, as long as it is now, was shipped.</summary>
    public static bool IsShipped(string path)
    {
        var marker = path + ShippedSuffix;
        return File.Exists(marker)
            && long.TryParse(File.ReadAllText(marker), NumberStyles.None, CultureInfo.InvariantCulture, out var shipped)
            && shipped == new FileInfo(path).Length;
    }

    /// <summary>Notes that <paramref name="length"/> bytes of the file were shipped (a file only ever grows).</summary>
    public static void MarkShipped(string path, long length) =>
        WriteAtomically(path + ShippedSuffix, System.Text.Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Writes a whole file or nothing: a temporary file, synced to disk, renamed over the target.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [GeneratedRegex(@"^dead-letters-(?<date>\d{8})-(?<source>.+)\.e-(?<epoch>\d+)\.jsonl$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
