using System.Globalization;
using System.Text.RegularExpressions;

namespace KinesisGrains.Sinks.Delta;

/// <summary>Names of the files in <c>_delta_log</c>: versions padded to 20 digits.</summary>
internal static partial class DeltaLogPaths
{
    public const string LogDirectory = "_delta_log";

    public const string LastCheckpoint = LogDirectory + "/_last_checkpoint";

    public static string CommitFileName(long version) => $"{version:D20}.json";

    public static string Commit(long version) => $"{LogDirectory}/{CommitFileName(version)}";

    public static string Checkpoint(long version) => $"{LogDirectory}/{version:D20}.checkpoint.parquet";

    /// <summary>The version of a commit (<c>N.json</c>) or classic checkpoint (<c>N.checkpoint.parquet</c>) file name; null for anything else.</summary>
    internal static (long Version, bool IsCheckpoint)? Parse(string fileName)
    {
        var match = LogFile().Match(fileName);
        return match.Success ? (long.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture), match.Groups[2].Value == "checkpoint.parquet") : null;
    }

    [GeneratedRegex(@"^(\d{20})\.(json|checkpoint\.parquet)$")]
    private static partial Regex LogFile();
}
