using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// The item of one grain state, laid out as Orleans.Persistence.DynamoDB lays it out: hash key
/// <c>GrainReference</c> = "{grainType}/{grainKey}", range key <c>GrainType</c> = the state name, the state in
/// <c>GrainState</c> (JSON in a string) and the version in <c>ETag</c> (a number).
/// </summary>
internal static class GrainStateItem
{
    public const string ReferenceAttribute = "GrainReference";
    public const string StateNameAttribute = "GrainType";
    public const string StateAttribute = "GrainState";
    public const string EtagAttribute = "ETag";

    /// <summary>DynamoDB's item size limit: 400 KB.</summary>
    public const int MaxItemBytes = 400 * 1024;

    /// <summary>DynamoDB's limits on the partition and the sort key.</summary>
    public const int MaxReferenceBytes = 2048;
    public const int MaxStateNameBytes = 1024;

    // A number takes about one byte per two significant digits plus one; 38 digits is the most DynamoDB stores.
    private const int MaxNumberBytes = 21;

    public static readonly int FixedBytes = Utf8(ReferenceAttribute) + Utf8(StateNameAttribute) + Utf8(StateAttribute)
        + Utf8(EtagAttribute) + MaxNumberBytes;

    public static string Reference(string grainType, string grainKey) => grainType + "/" + grainKey;

    public static Dictionary<string, AttributeValue> Key(string reference, string stateName) => new()
    {
        [ReferenceAttribute] = new AttributeValue { S = reference },
        [StateNameAttribute] = new AttributeValue { S = stateName },
    };

    public static Dictionary<string, AttributeValue> Create(string reference, string stateName, string json, long version)
    {
        var item = Key(reference, stateName);
        item[StateAttribute] = new AttributeValue { S = json };
        item[EtagAttribute] = new AttributeValue { N = FormatVersion(version) };
        return item;
    }

    /// <summary>The size DynamoDB charges against the limit: attribute names plus values, strings as UTF-8.</summary>
    public static long Size(string reference, string stateName, string json) =>
        FixedBytes + (long)Utf8(reference) + Utf8(stateName) + Utf8(json);

    public static string FormatVersion(long version) => version.ToString(CultureInfo.InvariantCulture);

    public static long ParseVersion(string etag) => long.Parse(etag, NumberStyles.None, CultureInfo.InvariantCulture);

    public static int Utf8(string value) => Encoding.UTF8.GetByteCount(value);
}
