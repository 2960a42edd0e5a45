using System.Buffers.Binary;
using System.Text;

namespace KinesisGrains.Tests.EnhancedFanOut;

/// <summary>
/// Builds event-stream frames byte by byte from the published layout, with a bitwise CRC32 of its own (not the
/// table-driven one the client uses), so the reader is checked against an independent writer.
/// </summary>
internal static class EventStreamFrames
{
    public static byte[] Frame(IEnumerable<(string Name, byte Type, byte[] Value)> headers, byte[] payload)
    {
        var headerBytes = new List<byte>();
        foreach (var (name, type, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            headerBytes.Add((byte)nameBytes.Length);
            headerBytes.AddRange(nameBytes);
            headerBytes.Add(type);
            headerBytes.AddRange(value);
        }

        var total = 12 + headerBytes.Count + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32(frame.AsSpan(0, 8)));
        headerBytes.CopyTo(frame, 12);
        payload.CopyTo(frame, 12 + headerBytes.Count);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), Crc32(frame.AsSpan(0, total - 4)));
        return frame;
    }

    public static (string, byte, byte[]) String(string name, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var encoded = new byte[2 + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)bytes.Length);
        bytes.CopyTo(encoded, 2);
        return (name, 7, encoded);
    }

    public static byte[] Event(string eventType, string json) =>
        Frame([String(":message-type", "event"), String(":event-type", eventType), String(":content-type", "application/json")], Encoding.UTF8.GetBytes(json));

    public static byte[] Exception(string exceptionType, string message) =>
        Frame([String(":message-type", "exception"), String(":exception-type", exceptionType)], Encoding.UTF8.GetBytes($$"""{"message":"{{message}}"}"""));

    /// <summary>IEEE CRC32 (reflected polynomial 0xEDB88320), one bit at a time.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
