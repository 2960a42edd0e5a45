using KinesisGrains.Abstractions.Hashing;
using System.Buffers.Binary;
using System.Security.Cryptography;
using KinesisGrains.Streaming.Kinesis.Kpl;
using KinesisGrains.Streaming.Kinesis.Routing;
using Xunit;

namespace KinesisGrains.Tests.Kpl;

/// <summary>The managed MD5 behind the shard-range rule agrees with the platform's at every padding boundary.</summary>
public sealed class ShortMd5Tests
{
    [Fact]
    public void Agrees_with_the_platform_md5_for_every_length_up_to_a_kilobyte()
    {
        var random = new Random(5);
        for (var length = 0; length <= 1100; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);

            Assert.Equal(BinaryPrimitives.ReadUInt128BigEndian(MD5.HashData(data)), ShortMd5.HashKey(data));
        }
    }

    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Matches_the_rfc_1321_test_suite(string text, string hex)
    {
        Assert.Equal(UInt128.Parse(hex, System.Globalization.NumberStyles.HexNumber), ShortMd5.HashKey(System.Text.Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("partition-key-0001")]
    [InlineData("ключ 🔑 中文")]
    public void Agrees_with_the_routing_hash_key(string partitionKey)
    {
        Assert.Equal(HashKey.FromPartitionKey(partitionKey), ShortMd5.HashKey(System.Text.Encoding.UTF8.GetBytes(partitionKey)));
    }
}
