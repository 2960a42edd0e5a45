using KinesisGrains.DynamoDB.Tests.Support;
using Orleans;

namespace KinesisGrains.DynamoDB.Tests.Grains;

/// <summary>What a settings grain holds, and which activation holds it.</summary>
[GenerateSerializer]
public sealed record SettingsSnapshot(
    [property: Id(0)] AlertSettings Settings,
    [property: Id(1)] string? Etag,
    [property: Id(2)] bool RecordExists,
    [property: Id(3)] Guid ActivationId);
