namespace KinesisGrains.Runtime.Grains;

/// <summary>
/// Names a grain implementation for storage. The name is part of every state key, so keep it stable across renames
/// of the CLR type.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
