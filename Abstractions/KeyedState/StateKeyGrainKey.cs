using System.Globalization;
using System.Text;

namespace KinesisGrains.Abstractions.KeyedState;

/// <summary>
/// Maps a state key (a Kinesis partition key: any 1–256 characters) to a string grain key Orleans accepts, and back.
/// Orleans refuses null, empty and whitespace-only string keys (<c>GetGrain</c> throws <see cref="ArgumentException"/>),
/// and carries keys as UTF-8, so a lone surrogate would come back as U+FFFD. Every other key is its own grain key,
/// so <c>GetGrain&lt;IUserActivity&gt;("user-42")</c> keeps working; the rest, and keys that start with
/// <see cref="Marker"/> (so decoding stays unambiguous), become <see cref="Marker"/> followed by their UTF-16 code
/// units as 4 lowercase hex digits each: <c>" "</c> is <c>"~k:0020"</c>.
/// </summary>
public static class StateKeyGrainKey
{
    /// <summary>Starts every escaped grain key; a state key that starts with it is escaped too.</summary>
    public const string Marker = "~k:";

    /// <summary>True when <paramref name="stateKey"/> is not its own grain key.</summary>
    public static bool NeedsEscape(string stateKey)
    {
        ArgumentNullException.ThrowIfNull(stateKey);
        return string.IsNullOrWhiteSpace(stateKey)
            || stateKey.StartsWith(Marker, StringComparison.Ordinal)
            || !IsWellFormedUtf16(stateKey);
    }

    /// <summary>The grain key that addresses <paramref name="stateKey"/>; the key itself unless <see cref="NeedsEscape"/>.</summary>
    public static string ToGrainKey(string stateKey)
    {
        if (!NeedsEscape(stateKey))
        {
            return stateKey;
        }

        var escaped = new StringBuilder(Marker.Length + (stateKey.Length * 4)).Append(Marker);
        foreach (var unit in stateKey)
        {
            escaped.Append(((int)unit).ToString("x4", CultureInfo.InvariantCulture));
        }

        return escaped.ToString();
    }

    /// <summary>The state key a grain key made by <see cref="ToGrainKey"/> stands for.</summary>
    /// <exception cref="FormatException"><paramref name="grainKey"/> starts with <see cref="Marker"/> but the rest is not hex code units.</exception>
    public static string ToStateKey(string grainKey)
    {
        ArgumentNullException.ThrowIfNull(grainKey);
        if (!grainKey.StartsWith(Marker, StringComparison.Ordinal))
        {
            return grainKey;
        }

        var hex = grainKey.AsSpan(Marker.Length);
        if (hex.Length % 4 != 0)
        {
            throw Malformed(grainKey);
        }

        var units = new char[hex.Length / 4];
        for (var i = 0; i < units.Length; i++)
        {
            var digits = hex.Slice(i * 4, 4);
            // Lowercase only, as ToGrainKey writes them: one grain key per state key.
            if (digits.ContainsAnyExcept("0123456789abcdef") || !ushort.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit))
            {
                throw Malformed(grainKey);
            }

            units[i] = (char)unit;
        }

        return new string(units);
    }

    private static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static FormatException Malformed(string grainKey) =>
        new($"Grain key '{grainKey}' starts with '{Marker}' but is not followed by 4 lowercase hex digits per UTF-16 code unit.");
}
