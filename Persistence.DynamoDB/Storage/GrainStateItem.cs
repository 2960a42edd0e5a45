using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// The item of one grain state, laid out as Orleans.Persistence.DynamoDB lays it out: hash key <c>GrainReference</c> =
/// "{ServiceId}_{grainId}", range key <c>GrainType</c> = the state name, the serialized state in <c>GrainState</c>
/// (binary; NULL once cleared), the version in <c>ETag</c> (a number) and, with a time to live, the expiry in
/// <c>GrainTtl</c> (epoch seconds).
/// </summary>
internal static class GrainStateItem
{
    public const string ReferenceAttribute = "GrainReference";
    public const string StateNameAttribute = "GrainType";
    public const string StateAttribute = "GrainState";
    public const string EtagAttribute = "ETag";
    public const string TtlAttribute = "GrainTtl";

    /// <summary>DynamoDB's item size limit: 400 KB.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>DynamoDB's limits on the partition and the sort key.</summary>
    public const int MaxReferenceBytes = 2048;
    public const int MaxStateNameBytes = 1024;

    // A number takes about one byte per two significant digits plus one; 38 digits is the most DynamoDB stores.
    private const int MaxNumberBytes = 21;

    private static readonly int s_fixedBytes = Utf8(ReferenceAttribute) + Utf8(StateNameAttribute) + Utf8(StateAttribute)
        + Utf8(EtagAttribute) + MaxNumberBytes;

    private static readonly int s_ttlBytes = Utf8(TtlAttribute) + MaxNumberBytes;

    public static string Reference(string serviceId, string grainId) => serviceId + "_" + grainId;

    public static Dictionary<string, AttributeValue> Key(string reference, string stateName) => new()
    {
        [ReferenceAttribute] = new AttributeValue { S = reference },
        [StateNameAttribute] = new AttributeValue { S = stateName },
    };

    /// <summary>A whole item; <paramref name="state"/> null or empty stores NULL, as a cleared state.</summary>
    public static Dictionary<string, AttributeValue> Create(
        string reference, string stateName, ReadOnlyMemory<byte>? state, long version, DateTimeOffset? expiresAt)
    {
        var item = Key(reference, stateName);
        item[StateAttribute] = state is { Length: > 0 } bytes
            ? new AttributeValue { B = new MemoryStream(bytes.ToArray(), writable: false) }
            : new AttributeValue { NULL = true };
        item[EtagAttribute] = new AttributeValue { N = FormatVersion(version) };
        if (expiresAt is { } expiry)
        {
            item[TtlAttribute] = new AttributeValue { N = expiry.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) };
        }

        return item;
    }

    /// <summary>
    /// The size DynamoDB charges against the limit: attribute names plus values, strings as UTF-8, numbers at their
    /// largest, so an item that passes here is never refused for its size.
    /// </summary>
    public static long Size(string reference, string stateName, int stateBytes, bool withTtl) =>
        s_fixedBytes + (withTtl ? s_ttlBytes : 0) + (long)Utf8(reference) + Utf8(stateName) + stateBytes;

    public static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseVersion(string? etag, out long version) =>
        long.TryParse(etag, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out version);

    public static int Utf8(string value) => Encoding.UTF8.GetByteCount(value);
}
