namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// A conditional write or clear of grain state failed because the stored record is not at the etag the caller held:
/// another writer got there first. Nothing was changed, locally or in storage; re-read the state and try again.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(
        string grainType,
        string grainKey,
        string stateName,
        string? expectedEtag,
        string? storedEtag,
        bool storedEtagKnown,
        Exception? innerException = null)
        : base(FormatMessage(grainType, grainKey, stateName, expectedEtag, storedEtag, storedEtagKnown), innerException)
    {
        GrainType = grainType;
        GrainKey = grainKey;
        StateName = stateName;
        ExpectedEtag = expectedEtag;
        StoredEtag = storedEtag;
        StoredEtagKnown = storedEtagKnown;
    }

    public string GrainType { get; }

    public string GrainKey { get; }

    public string StateName { get; }

    /// <summary>The etag the caller held; <c>null</c> when it expected no record.</summary>
    public string? ExpectedEtag { get; }

    /// <summary>The etag in storage when the conflict was seen; <c>null</c> when there was no record or it is unknown.</summary>
    public string? StoredEtag { get; }

    /// <summary>Whether <see cref="StoredEtag"/> was learned (the look-up after a conflict is best-effort).</summary>
    public bool StoredEtagKnown { get; }

    private static string FormatMessage(
        string grainType, string grainKey, string stateName, string? expectedEtag, string? storedEtag, bool storedEtagKnown)
    {
        var expected = expectedEtag is null ? "no record" : $"etag {expectedEtag}";
        var stored = !storedEtagKnown ? "an unknown etag" : storedEtag is null ? "no record" : $"etag {storedEtag}";
        return $"State '{stateName}' of grain {grainType}/{grainKey} was changed by another writer: expected {expected}, "
            + $"storage has {stored}. Re-read the state before writing it again.";
    }
}
