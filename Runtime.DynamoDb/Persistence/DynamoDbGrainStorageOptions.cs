using System.Text.RegularExpressions;
using KinesisGrains.Kinesis.Leasing;

namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>Settings of a <see cref="DynamoDbGrainStorage"/>. Call <see cref="Validate"/> to check them (the storage does).</summary>
public sealed partial class DynamoDbGrainStorageOptions
{
    /// <summary>The table holding the state items. Several services may share a table only if their grain types differ.</summary>
    public required string TableName { get; set; }

    /// <summary>Endpoint, region and credentials; ignored when the storage is given a client.</summary>
    public DynamoDbOptions Connection { get; set; } = new();

    /// <summary>Creates the table (on-demand billing) in <see cref="DynamoDbGrainStorage.EnsureTableAsync"/> when it is missing.</summary>
    public bool CreateTableIfNotExists { get; set; } = true;

    /// <summary>
    /// Reads with strong consistency. Eventually consistent reads cost half, but may return a record older than the
    /// last write, whose etag then makes the next write fail.
    /// </summary>
    public bool UseConsistentReads { get; set; } = true;

    /// <summary>Throws an <see cref="ArgumentException"/> that lists every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(TableName))
        {
            errors.Add($"{nameof(TableName)} is required.");
        }
        else if (!TableNamePattern().IsMatch(TableName))
        {
            errors.Add($"{nameof(TableName)} must be 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.' (was '{TableName}').");
        }

        if (Connection is null)
        {
            errors.Add($"{nameof(Connection)} is required.");
        }
        else
        {
            errors.AddRange(Connection.Validate());
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid DynamoDB grain storage options: " + string.Join(" ", errors));
        }
    }

    // DynamoDB's own rule for table names.
    [GeneratedRegex(@"^[a-zA-Z0-9_.\-]{3,255}$")]
    private static partial Regex TableNamePattern();
}
