namespace KinesisGrains.Runtime.Grains;

/// <summary>
/// Base class of grain implementations. An activation runs one turn at a time on its partition's logical thread,
/// so grain code needs no locks.
/// </summary>
public abstract class Grain
{
    private string? _key;
    private GrainType? _type;

    /// <summary>The key this activation was created for.</summary>
    public string GrainKey => _key ?? throw new InvalidOperationException("The grain has not been activated.");

    internal GrainType Type => _type ?? throw new InvalidOperationException("The grain has not been activated.");

    internal bool IsDirty { get; set; }

    /// <summary>Says that the state changed in a grain call, so it is written when the call returns.</summary>
    /// <remarks>Stream events mark the state changed by themselves.</remarks>
    protected void MarkStateChanged() => IsDirty = true;

    /// <summary>Called once after the state has been loaded and before the first turn.</summary>
    protected internal virtual void OnActivate()
    {
    }

    internal void Initialize(GrainType type, string key)
    {
        _type = type;
        _key = key;
    }

    internal abstract void LoadState(ReadOnlySpan<byte> persisted);

    internal abstract void WriteState(System.Text.Json.Utf8JsonWriter writer);

    /// <summary>Where this activation's state is stored, computed once at activation.</summary>
    internal byte[] StateKey { get; set; } = [];
}
