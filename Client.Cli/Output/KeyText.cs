using System.Text.Json;

namespace KinesisGrains.Cli.Output;

/// <summary>A user id as people read it: one that is blank on screen (" ", "\t") is shown as a quoted, escaped string.</summary>
internal static class KeyText
{
    public static string Of(string key) => string.IsNullOrWhiteSpace(key) ? JsonSerializer.Serialize(key) : key;
}
