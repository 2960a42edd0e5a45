using System.Text;

namespace KinesisGrains.Sinks.Delta;

/// <summary>
/// Directories of partitioned data files, Hive style (<c>region=eu/eventTime_date=2024-05-06/</c>), and the
/// URI-encoded form of paths the log keeps. A value keeps <c>[A-Za-z0-9._-]</c> and has every other UTF-8 byte as
/// <c>%XX</c>; null is <c>__HIVE_DEFAULT_PARTITION__</c>. Readers take values from the log, never from the directory.
/// </summary>
internal static class DeltaPartitionPath
{
    public const string NullDirectory = "__HIVE_DEFAULT_PARTITION__";

    /// <summary>The directory of <paramref name="values"/> in partition column order, without trailing '/'; empty when the table is not partitioned.</summary>
    public static string Directory(IReadOnlyList<string> partitionColumns, IReadOnlyDictionary<string, string?> values) =>
        string.Join('/', partitionColumns.Select(c => $"{Escape(c)}={(values.GetValueOrDefault(c) is { } v ? Escape(v) : NullDirectory)}"));

    /// <summary>A relative object path as an <c>add.path</c> (RFC 2396): the '%' of escaped values becomes '%25'.</summary>
    public static string ToUri(string path) => path.Replace("%", "%25", StringComparison.Ordinal);

    /// <summary>The object path (relative to the table root) of an <c>add.path</c>.</summary>
    /// <exception cref="NotSupportedException">An absolute path (a file outside the table root).</exception>
    public static string FromUri(string uri) => uri.Contains("://", StringComparison.Ordinal)
        ? throw new NotSupportedException($"Data file '{uri}' has an absolute path; this writer handles files under the table root only.")
        : Uri.UnescapeDataString(uri);

    private static string Escape(string value)
    {
        var text = new StringBuilder(value.Length);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '.' or '_' or '-'))
            {
                text.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(bytes);
            foreach (var b in bytes[..length])
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
