using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Tests.Kpl;

internal static class KplTestRecords
{
    public static readonly DateTimeOffset Arrival = new(2024, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

    public const string SequenceNumber = "49590338271490256608559692538361571095921575989136588898";

    public static KinesisRecord Received(byte[] data, string partitionKey = "outer") => new(SequenceNumber, Arrival, data, partitionKey);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
