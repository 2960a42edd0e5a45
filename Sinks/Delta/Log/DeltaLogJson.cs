using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KinesisGrains.Sinks.Delta;

/// <summary>Commit files as newline-delimited JSON, one action per line (PROTOCOL.md, Delta Log Entries).</summary>
internal static class DeltaLogJson
{
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Write(IEnumerable<DeltaAction> actions)
    {
        var text = new StringBuilder();
        foreach (var action in actions)
        {
            text.Append(JsonSerializer.Serialize(action, Options)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <exception cref="DeltaLogCorruptException">A line is not a JSON action.</exception>
    public static List<DeltaAction> Read(ReadOnlySpan<byte> content, string file)
    {
        var actions = new List<DeltaAction>();
        var line = 0;
        while (!content.IsEmpty)
        {
            line++;
            var end = content.IndexOf((byte)'\n');
            var text = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (text.Trim((byte)'\r').Trim((byte)' ').IsEmpty)
            {
                continue;
            }

            try
            {
                actions.Add(JsonSerializer.Deserialize<DeltaAction>(text, Options) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new DeltaLogCorruptException($"{file} line {line} is not a Delta action: {e.Message}", e);
            }
        }

        return actions;
    }
}
