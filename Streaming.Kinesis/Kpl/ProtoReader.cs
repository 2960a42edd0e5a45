namespace KinesisGrains.Streaming.Kinesis.Kpl;

/// <summary>
/// A forward-only protobuf reader over one message inside a larger buffer. Positions are absolute in that buffer, so
/// a length-delimited field can be handed out as a slice of the original array. Every method reports malformed
/// input by returning <c>false</c>: the caller must never throw on bytes from the wire.
/// </summary>
internal ref struct ProtoReader
{
    // protobuf-java's default recursion limit; only reachable through nested unknown groups.
    private const int MaxGroupDepth = 100;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _end;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> buffer, int start, int end)
    {
        _buffer = buffer;
        _position = start;
        _end = end;
    }

    public readonly bool IsAtEnd => _position >= _end;

    /// <summary>Reads a field key; field number 0 and wire types 6 and 7 do not exist.</summary>
    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        fieldNumber = 0;
        wireType = default;
        if (!TryReadVarint(out var tag) || tag > uint.MaxValue)
        {
            return false;
        }

        fieldNumber = (int)(tag >> 3);
        wireType = (WireType)(tag & 7);
        return fieldNumber != 0 && wireType <= WireType.Fixed32;
    }

    /// <summary>A base-128 varint of at most 10 bytes; bits past 64 are rejected rather than dropped.</summary>
    public bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _end)
            {
                return false;
            }

            ulong b = _buffer[_position++];
            if (shift == 63 && b > 1)
            {
                return false;
            }

            value |= (b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads a length prefix and steps over the payload, returning where it lies.</summary>
    public bool TryReadLengthDelimited(out int start, out int length)
    {
        start = 0;
        length = 0;
        if (!TryReadVarint(out var size) || size > (ulong)(_end - _position))
        {
            return false;
        }

        start = _position;
        length = (int)size;
        _position += length;
        return true;
    }

    /// <summary>Skips the value of a field this reader does not know (or knows under another wire type, as protobuf does).</summary>
    public bool TrySkip(int fieldNumber, WireType wireType) => TrySkip(fieldNumber, wireType, depth: 0);

    private bool TrySkip(int fieldNumber, WireType wireType, int depth)
    {
        switch (wireType)
        {
            case WireType.Varint:
                return TryReadVarint(out _);
            case WireType.Fixed64:
                return TryAdvance(8);
            case WireType.Fixed32:
                return TryAdvance(4);
            case WireType.LengthDelimited:
                return TryReadLengthDelimited(out _, out _);
            case WireType.StartGroup:
                return TrySkipGroup(fieldNumber, depth + 1);
            default:
                // An end-group tag with no open group.
                return false;
        }
    }

    private bool TrySkipGroup(int fieldNumber, int depth)
    {
        if (depth > MaxGroupDepth)
        {
            return false;
        }

        while (TryReadTag(out var innerField, out var innerType))
        {
            if (innerType == WireType.EndGroup)
            {
                return innerField == fieldNumber;
            }

            if (!TrySkip(innerField, innerType, depth))
            {
                return false;
            }
        }

        return false;
    }

    private bool TryAdvance(int count)
    {
        if (_end - _position < count)
        {
            return false;
        }

        _position += count;
        return true;
    }
}
