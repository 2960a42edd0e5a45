using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Clustering.DynamoDB;

/// <summary>
/// A change to one silo's item that has won the table version but may not be on the item yet: recorded on the version
/// row in the same conditional write that advances the version, so any reader can finish it (roll it forward).
/// </summary>
/// <param name="SiloIdentity">The item to write.</param>
/// <param name="ExpectedETag">The item's ETag the change was based on; null for an insert (the item must not exist).</param>
/// <param name="Fields">Every attribute of the item but its key, as it is to be written.</param>
internal sealed record PendingWrite(string SiloIdentity, int? ExpectedETag, Dictionary<string, AttributeValue> Fields)
{
    public const string SiloIdentityAttribute = "PendingSiloIdentity";
    public const string ExpectedETagAttribute = "PendingETag";
    public const string FieldsAttribute = "PendingRow";

    /// <summary>The ETag the item has once the change is on it.</summary>
    public int ResultETag => SiloInstanceRecord.ETag(Fields);

    /// <summary>The pending write recorded on a version row item; null when there is none.</summary>
    public static PendingWrite? From(Dictionary<string, AttributeValue> versionItem)
    {
        if (!versionItem.TryGetValue(SiloIdentityAttribute, out var identity) || identity.S is null)
        {
            return null;
        }

        int? expected = versionItem.ContainsKey(ExpectedETagAttribute) ? SiloInstanceRecord.Int(versionItem, ExpectedETagAttribute) : null;
        var fields = versionItem.TryGetValue(FieldsAttribute, out var row) && row.M is { } map ? map : [];
        return new PendingWrite(identity.S, expected, fields);
    }
}
