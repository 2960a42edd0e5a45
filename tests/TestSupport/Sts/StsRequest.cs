namespace KinesisGrains.Testing.Sts;

/// <summary>One call the STS stand-in answered: its form parameters and whether (and by which access key) it was signed.</summary>
/// <param name="SigningKeyId">The access key id in the SigV4 Authorization header; null for an unsigned call.</param>
public sealed record StsRequest(IReadOnlyDictionary<string, string> Parameters, string? SigningKeyId)
{
    public string Action => Parameters.GetValueOrDefault("Action") ?? "";

    public string? this[string name] => Parameters.GetValueOrDefault(name);
}
