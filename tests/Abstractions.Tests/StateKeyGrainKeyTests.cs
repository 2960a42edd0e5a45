using System.Text;
using KinesisGrains.Abstractions.KeyedState;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>Every state key has a grain key Orleans accepts and carries unchanged, and the grain gets the state key back.</summary>
public sealed class StateKeyGrainKeyTests
{
    // Every character char.IsWhiteSpace knows, which string.IsNullOrWhiteSpace (Orleans' check) refuses on its own.
    private static readonly char[] s_whitespace = [.. Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(char.IsWhiteSpace)];

    [Theory]
    [InlineData("user-42")]
    [InlineData("user-000042")]
    [InlineData(" user-42 ")]
    [InlineData("a b")]
    [InlineData("ключ")]
    [InlineData("😀")]
    [InlineData("\u200b")] // zero-width space: not white space to .NET, so Orleans takes it
    [InlineData("~k")]
    [InlineData("k:0020")]
    [InlineData("~K:0020")]
    public void An_ordinary_key_is_its_own_grain_key(string key)
    {
        Assert.False(StateKeyGrainKey.NeedsEscape(key));
        Assert.Same(key, StateKeyGrainKey.ToGrainKey(key));
        Assert.Same(key, StateKeyGrainKey.ToStateKey(key));
    }

    [Theory]
    [InlineData(" ", "~k:0020")]
    [InlineData("\t", "~k:0009")]
    [InlineData("  ", "~k:00200020")]
    [InlineData("", "~k:")]
    [InlineData("~k:", "~k:007e006b003a")]
    [InlineData("~k:0020", "~k:007e006b003a0030003000320030")]
    public void Keys_Orleans_refuses_or_would_change_and_keys_with_the_marker_are_escaped(string key, string grainKey)
    {
        Assert.True(StateKeyGrainKey.NeedsEscape(key));
        Assert.Equal(grainKey, StateKeyGrainKey.ToGrainKey(key));
        Assert.Equal(key, StateKeyGrainKey.ToStateKey(grainKey));
    }

    [Fact]
    public void A_lone_surrogate_which_Orleans_would_carry_as_U_FFFD_is_escaped()
    {
        // Built at run time: attribute arguments are stored as UTF-8, which would turn it into U+FFFD before the test.
        var key = new string([(char)0xd800, 'x']);
        Assert.Equal("~k:d8000078", StateKeyGrainKey.ToGrainKey(key));
        Assert.Equal(key, StateKeyGrainKey.ToStateKey("~k:d8000078"));
    }

    [Fact]
    public void Random_keys_round_trip_through_grain_keys_Orleans_accepts()
    {
        var random = new Random(13);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 20_000; i++)
        {
            var key = RandomKey(random);
            var grainKey = StateKeyGrainKey.ToGrainKey(key);

            Assert.False(string.IsNullOrWhiteSpace(grainKey), $"grain key of '{Escape(key)}' is refused by Orleans");
            Assert.Equal(grainKey, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(grainKey))); // Orleans keeps keys as UTF-8
            Assert.Equal(key, StateKeyGrainKey.ToStateKey(grainKey));
            var escaped = string.IsNullOrWhiteSpace(key) || key.StartsWith(StateKeyGrainKey.Marker, StringComparison.Ordinal) || !IsWellFormed(key);
            Assert.Equal(escaped, StateKeyGrainKey.NeedsEscape(key));
            Assert.Equal(escaped, grainKey != key);

            // Distinct keys, distinct grains.
            Assert.Equal(key, seen.TryAdd(grainKey, key) ? key : seen[grainKey]);
        }
    }

    [Theory]
    [InlineData("~k:002")]
    [InlineData("~k:00zz")]
    [InlineData("~k:0A0B")]
    [InlineData("~k:+020")]
    public void A_malformed_escaped_grain_key_is_refused(string grainKey) =>
        Assert.Throws<FormatException>(() => StateKeyGrainKey.ToStateKey(grainKey));

    private static string RandomKey(Random random)
    {
        var length = random.Next(0, 12);
        var key = new StringBuilder();
        var kind = random.Next(6);
        if (kind == 0)
        {
            key.Append(StateKeyGrainKey.Marker); // the marker itself, alone or with more after it
        }

        for (var i = 0; i < length; i++)
        {
            switch (kind == 1 ? 0 : random.Next(6))
            {
                case 0:
                    key.Append(s_whitespace[random.Next(s_whitespace.Length)]); // kind 1: whitespace only
                    break;
                case 1:
                    key.Append(StateKeyGrainKey.Marker[random.Next(StateKeyGrainKey.Marker.Length)]);
                    break;
                case 2:
                    key.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000))); // a surrogate pair
                    break;
                case 3:
                    key.Append((char)random.Next(0x80, 0xd800)); // BMP beyond ASCII
                    break;
                case 4 when random.Next(20) == 0:
                    key.Append((char)random.Next(0xd800, 0xe000)); // a lone surrogate, now and then
                    break;
                default:
                    key.Append((char)random.Next(0x20, 0x7f));
                    break;
            }
        }

        return key.ToString();
    }

    private static bool IsWellFormed(string key) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(key)) == key;

    private static string Escape(string key) => string.Concat(key.Select(c => $"\\u{(int)c:x4}"));
}
