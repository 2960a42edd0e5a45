using Amazon.DynamoDBv2.Model;
using Orleans;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// The cluster's table version item (range key <c>VersionRow</c>, as upstream): <c>MembershipVersion</c> and <c>ETag</c>,
/// plus the <see cref="PendingWrite"/> of a change that won the version and is not yet finished.
/// </summary>
internal sealed record VersionRow(int Version, int ETag, PendingWrite? Pending)
{
    public const string SiloIdentity = "VersionRow";

    public TableVersion TableVersion => new(Version, ETag.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static VersionRow From(Dictionary<string, AttributeValue> item) => new(
        SiloInstanceRecord.MembershipVersion(item),
        SiloInstanceRecord.ETag(item),
        PendingWrite.From(item));
}
