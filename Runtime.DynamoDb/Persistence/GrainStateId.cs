namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>Which state of which grain: the key of one item.</summary>
internal sealed record GrainStateId(string GrainType, string GrainKey, string StateName)
{
    public string Reference { get; } = GrainStateItem.Reference(GrainType, GrainKey);

    public override string ToString() => $"'{StateName}' of {Reference}";
}
