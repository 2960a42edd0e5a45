using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace KinesisGrains.Kinesis.Client;

/// <summary>
/// Reads AWS event-stream messages off a stream, one at a time, checking both CRC32s and every length before using a
/// byte. Layout (big-endian): <c>u32 total | u32 headers length | u32 CRC32(first 8 bytes) | headers | payload |
/// u32 CRC32(everything before)</c>; a header is <c>u8 name length | name | u8 type | value</c>.
/// </summary>
/// <remarks>
/// Reading only when asked is what makes HTTP/2 back-pressure work: bytes not read stay in the stream's window and the
/// server stops sending. Not thread-safe.
/// </remarks>
internal sealed class EventStreamReader(Stream stream, int maxMessageBytes = EventStreamReader.DefaultMaxMessageBytes)
{
    /// <summary>16 MiB, as aws-c-event-stream caps a message; checked before anything is allocated.</summary>
    public const int DefaultMaxMessageBytes = 16 * 1024 * 1024;

    public const int PreludeBytes = 12;

    /// <summary>Prelude plus message CRC: a message of no headers and no payload.</summary>
    public const int MinMessageBytes = 16;

    private readonly byte[] _prelude = new byte[PreludeBytes];

    /// <summary>The next message; null when the stream ended cleanly between two messages.</summary>
    /// <exception cref="EventStreamFormatException">A corrupt frame, or the stream ended inside one.</exception>
    public async ValueTask<EventStreamMessage?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = await stream.ReadAtLeastAsync(_prelude, PreludeBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < PreludeBytes)
        {
            throw new EventStreamFormatException($"The event stream ended inside a message prelude ({read} of {PreludeBytes} bytes).");
        }

        var (total, _) = CheckPrelude(_prelude, maxMessageBytes);
        var frame = new byte[total];
        _prelude.CopyTo(frame, 0);
        read = await stream.ReadAtLeastAsync(frame.AsMemory(PreludeBytes), total - PreludeBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < total - PreludeBytes)
        {
            throw new EventStreamFormatException($"The event stream ended inside a message ({PreludeBytes + read} of {total} bytes).");
        }

        return Decode(frame, maxMessageBytes);
    }

    /// <summary>Decodes one whole frame (exactly one message), checking it as <see cref="ReadAsync"/> does.</summary>
    /// <exception cref="EventStreamFormatException">The frame is corrupt or not exactly one message long.</exception>
    public static EventStreamMessage Decode(ReadOnlyMemory<byte> frame, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        var bytes = frame.Span;
        if (bytes.Length < MinMessageBytes)
        {
            throw new EventStreamFormatException($"An event-stream message needs at least {MinMessageBytes} bytes; the frame has {bytes.Length}.");
        }

        var (total, headersLength) = CheckPrelude(bytes[..PreludeBytes], maxMessageBytes);
        if (total != bytes.Length)
        {
            throw new EventStreamFormatException($"The message prelude says {total} bytes; the frame has {bytes.Length}.");
        }

        var expected = BinaryPrimitives.ReadUInt32BigEndian(bytes[(total - 4)..]);
        var actual = Crc32.HashToUInt32(bytes[..(total - 4)]);
        if (actual != expected)
        {
            throw new EventStreamFormatException($"Message CRC32 mismatch: the frame says 0x{expected:x8}, its {total - 4} bytes give 0x{actual:x8}.");
        }

        var headers = ReadHeaders(bytes.Slice(PreludeBytes, headersLength));
        return new EventStreamMessage(headers, frame.Slice(PreludeBytes + headersLength, total - headersLength - MinMessageBytes));
    }

    /// <summary>Checks the prelude CRC and that the lengths can be a message; returns them.</summary>
    private static (int Total, int HeadersLength) CheckPrelude(ReadOnlySpan<byte> prelude, int maxMessageBytes)
    {
        var total = BinaryPrimitives.ReadUInt32BigEndian(prelude);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(prelude[4..]);
        var expected = BinaryPrimitives.ReadUInt32BigEndian(prelude[8..]);
        var actual = Crc32.HashToUInt32(prelude[..8]);
        if (actual != expected)
        {
            throw new EventStreamFormatException($"Prelude CRC32 mismatch: the prelude says 0x{expected:x8}, its first 8 bytes give 0x{actual:x8} (total length {total}, headers length {headersLength}).");
        }

        if (total < MinMessageBytes || total > (uint)maxMessageBytes)
        {
            throw new EventStreamFormatException($"A message of {total} bytes is outside {MinMessageBytes}..{maxMessageBytes}.");
        }

        if (headersLength > total - MinMessageBytes)
        {
            throw new EventStreamFormatException($"Headers of {headersLength} bytes do not fit a message of {total} bytes.");
        }

        return ((int)total, (int)headersLength);
    }

    private static Dictionary<string, object> ReadHeaders(ReadOnlySpan<byte> headers)
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        var at = 0;
        while (at < headers.Length)
        {
            int nameLength = headers[at++];
            if (nameLength == 0 || at + nameLength + 1 > headers.Length)
            {
                throw new EventStreamFormatException($"A header name of {nameLength} bytes at offset {at - 1} does not fit the {headers.Length} header bytes.");
            }

            var name = Encoding.UTF8.GetString(headers.Slice(at, nameLength));
            at += nameLength;
            var type = (EventStreamHeaderType)headers[at++];
            result[name] = type switch
            {
                EventStreamHeaderType.BoolTrue => true,
                EventStreamHeaderType.BoolFalse => false,
                EventStreamHeaderType.Byte => Take(headers, ref at, 1, name)[0],
                EventStreamHeaderType.Int16 => BinaryPrimitives.ReadInt16BigEndian(Take(headers, ref at, 2, name)),
                EventStreamHeaderType.Int32 => BinaryPrimitives.ReadInt32BigEndian(Take(headers, ref at, 4, name)),
                EventStreamHeaderType.Int64 => BinaryPrimitives.ReadInt64BigEndian(Take(headers, ref at, 8, name)),
                EventStreamHeaderType.ByteBuffer => Take(headers, ref at, LengthOf(headers, ref at, name), name).ToArray(),
                EventStreamHeaderType.String => Encoding.UTF8.GetString(Take(headers, ref at, LengthOf(headers, ref at, name), name)),
                EventStreamHeaderType.Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64BigEndian(Take(headers, ref at, 8, name))),
                EventStreamHeaderType.Uuid => new Guid(Take(headers, ref at, 16, name), bigEndian: true),
                _ => throw new EventStreamFormatException($"Header '{name}' has unknown value type {(byte)type}."),
            };
        }

        return result;
    }

    /// <summary>The u16 length before a byte-buffer or string value (unsigned: AWSSDK.Core's signed read is a bug).</summary>
    private static int LengthOf(ReadOnlySpan<byte> headers, ref int at, string name) =>
        BinaryPrimitives.ReadUInt16BigEndian(Take(headers, ref at, 2, name));

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> headers, ref int at, int count, string name)
    {
        if (at + count > headers.Length)
        {
            throw new EventStreamFormatException($"The value of header '{name}' ({count} bytes at offset {at}) runs past the {headers.Length} header bytes.");
        }

        var value = headers.Slice(at, count);
        at += count;
        return value;
    }
}
