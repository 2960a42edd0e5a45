using KinesisGrains.Abstractions.Hashing;
using System.Globalization;
using System.Text;

namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>
/// One entry of an aggregate's partition-key or explicit-hash-key table. Records share entries, so the string and the
/// hash key are made at most once per entry, and only when a record refers to it.
/// </summary>
internal struct KeyTableEntry
{
    public int Start;
    public int Length;
    private string? _value;
    private UInt128 _hashKey;
    private HashKeyState _state;

    private enum HashKeyState : byte
    {
        Unknown,
        Valid,
        Invalid,
    }

    public KeyTableEntry(int start, int length)
    {
        Start = start;
        Length = length;
    }

    // Invalid UTF-8 becomes U+FFFD, as protobuf-java's proto2 strings do in the KCL.
    public string Value(ReadOnlySpan<byte> buffer) => _value ??= Encoding.UTF8.GetString(buffer.Slice(Start, Length));

    /// <summary>MD5 of the key's bytes as an unsigned big-endian number: where Kinesis routes the partition key.</summary>
    public UInt128 PartitionKeyHash(ReadOnlySpan<byte> buffer)
    {
        if (_state == HashKeyState.Unknown)
        {
            // The table holds the UTF-8 the producer hashed; re-encoding the decoded string would only cost time.
            _hashKey = ShortMd5.HashKey(buffer.Slice(Start, Length));
            _state = HashKeyState.Valid;
        }

        return _hashKey;
    }

    /// <summary>Parses the entry as an explicit hash key: plain decimal digits, 0 to 2^128-1.</summary>
    public bool TryGetExplicitHashKey(ReadOnlySpan<byte> buffer, out UInt128 hashKey)
    {
        if (_state == HashKeyState.Unknown)
        {
            _state = UInt128.TryParse(buffer.Slice(Start, Length), NumberStyles.None, CultureInfo.InvariantCulture, out _hashKey)
                ? HashKeyState.Valid
                : HashKeyState.Invalid;
        }

        hashKey = _hashKey;
        return _state == HashKeyState.Valid;
    }
}
