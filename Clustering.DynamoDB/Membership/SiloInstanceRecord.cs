using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2.Model;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// One silo's item in the silo instance table, laid out as Orleans.Clustering.DynamoDB lays it out: hash key
/// <c>DeploymentId</c> (the cluster id), range key <c>SiloIdentity</c> (<c>address-port-generation</c>), the entry's
/// fields as strings and numbers, and a numeric <c>ETag</c> that every change but IAmAlive increments.
/// </summary>
internal static class SiloInstanceRecord
{
    public const string DeploymentIdAttribute = "DeploymentId";
    public const string SiloIdentityAttribute = "SiloIdentity";
    public const string ETagAttribute = "ETag";
    public const string AddressAttribute = "Address";
    public const string PortAttribute = "Port";
    public const string GenerationAttribute = "Generation";
    public const string HostNameAttribute = "HostName";
    public const string StatusAttribute = "SiloStatus";
    public const string ProxyPortAttribute = "ProxyPort";
    public const string SiloNameAttribute = "SiloName";
    public const string SuspectingSilosAttribute = "SuspectingSilos";
    public const string SuspectingTimesAttribute = "SuspectingTimes";
    public const string StartTimeAttribute = "StartTime";
    public const string IAmAliveTimeAttribute = "IAmAliveTime";
    public const string MembershipVersionAttribute = "MembershipVersion";

    /// <summary>Upstream's list separator inside <c>SuspectingSilos</c> and <c>SuspectingTimes</c>.</summary>
    private const char ListSeparator = '|';

    public static string SiloIdentity(SiloAddress silo) =>
        string.Create(CultureInfo.InvariantCulture, $"{silo.Endpoint.Address}-{silo.Endpoint.Port}-{silo.Generation}");

    public static Dictionary<string, AttributeValue> Key(string clusterId, string siloIdentity) => new()
    {
        [DeploymentIdAttribute] = new AttributeValue(clusterId),
        [SiloIdentityAttribute] = new AttributeValue(siloIdentity),
    };

    /// <summary>The attributes of <paramref name="entry"/> other than the key, as written at <paramref name="membershipVersion"/>.</summary>
    public static Dictionary<string, AttributeValue> Fields(MembershipEntry entry, int membershipVersion, int etag)
    {
        var fields = new Dictionary<string, AttributeValue>
        {
            [AddressAttribute] = new AttributeValue(entry.SiloAddress.Endpoint.Address.ToString()),
            [PortAttribute] = Number(entry.SiloAddress.Endpoint.Port),
            [GenerationAttribute] = Number(entry.SiloAddress.Generation),
            [StatusAttribute] = Number((int)entry.Status),
            [ProxyPortAttribute] = Number(entry.ProxyPort),
            [StartTimeAttribute] = new AttributeValue(LogFormatter.PrintDate(entry.StartTime)),
            [IAmAliveTimeAttribute] = new AttributeValue(LogFormatter.PrintDate(entry.IAmAliveTime)),
            [MembershipVersionAttribute] = Number(membershipVersion),
            [ETagAttribute] = Number(etag),
        };

        // DynamoDB refuses empty strings in key attributes only, but upstream leaves empty fields out: so do we.
        AddIfNotEmpty(fields, HostNameAttribute, entry.HostName);
        AddIfNotEmpty(fields, SiloNameAttribute, entry.SiloName);
        if (entry.SuspectTimes is { Count: > 0 } suspects)
        {
            fields[SuspectingSilosAttribute] = new AttributeValue(string.Join(ListSeparator, suspects.Select(s => s.Item1.ToParsableString())));
            fields[SuspectingTimesAttribute] = new AttributeValue(string.Join(ListSeparator, suspects.Select(s => LogFormatter.PrintDate(s.Item2))));
        }

        return fields;
    }

    public static bool IsSilo(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue(SiloIdentityAttribute, out var identity) && identity.S != VersionRow.SiloIdentity;

    public static int ETag(Dictionary<string, AttributeValue> item) => Int(item, ETagAttribute);

    public static int MembershipVersion(Dictionary<string, AttributeValue> item) => Int(item, MembershipVersionAttribute);

    public static SiloStatus Status(Dictionary<string, AttributeValue> item) => (SiloStatus)Int(item, StatusAttribute);

    /// <summary>The entry an item holds.</summary>
    /// <exception cref="FormatException">The item is not a silo entry as written here or by Orleans.Clustering.DynamoDB.</exception>
    public static MembershipEntry Parse(Dictionary<string, AttributeValue> item)
    {
        var address = item.TryGetValue(AddressAttribute, out var a) && IPAddress.TryParse(a.S, out var ip)
            ? ip
            : throw new FormatException($"Silo entry {Text(item, SiloIdentityAttribute)} has no valid {AddressAttribute}.");
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(address, Int(item, PortAttribute), Int(item, GenerationAttribute)),
            Status = Status(item),
            ProxyPort = Int(item, ProxyPortAttribute),
            HostName = Text(item, HostNameAttribute) ?? "",
            SiloName = Text(item, SiloNameAttribute) ?? "",
            StartTime = Date(item, StartTimeAttribute),
            IAmAliveTime = Date(item, IAmAliveTimeAttribute),
        };

        var silos = Text(item, SuspectingSilosAttribute) is { Length: > 0 } s ? s.Split(ListSeparator) : [];
        var times = Text(item, SuspectingTimesAttribute) is { Length: > 0 } t ? t.Split(ListSeparator) : [];
        if (silos.Length != times.Length)
        {
            throw new FormatException(
                $"Silo entry {Text(item, SiloIdentityAttribute)} has {silos.Length} {SuspectingSilosAttribute} but {times.Length} {SuspectingTimesAttribute}.");
        }

        for (var i = 0; i < silos.Length; i++)
        {
            entry.AddSuspector(SiloAddress.FromParsableString(silos[i]), ParseDate(times[i]));
        }

        return entry;
    }

    /// <summary>The time an item last said it was alive; null when it has none that parses.</summary>
    public static DateTime? IAmAliveTime(Dictionary<string, AttributeValue> item) =>
        Text(item, IAmAliveTimeAttribute) is { Length: > 0 } text
        && DateTime.TryParseExact(text, "yyyy-MM-dd HH:mm:ss.fff 'GMT'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    public static AttributeValue Number(int value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static int Int(Dictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) && int.TryParse(value.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0;

    private static string? Text(Dictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) ? value.S : null;

    private static DateTime Date(Dictionary<string, AttributeValue> item, string attribute) =>
        Text(item, attribute) is { Length: > 0 } text ? ParseDate(text) : default;

    // Orleans' membership compares these with DateTime.UtcNow.
    private static DateTime ParseDate(string text) => DateTime.SpecifyKind(LogFormatter.ParseDate(text), DateTimeKind.Utc);

    private static void AddIfNotEmpty(Dictionary<string, AttributeValue> fields, string attribute, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            fields[attribute] = new AttributeValue(value);
        }
    }
}
