using KinesisGrains.Runtime.Grains;

namespace KinesisGrains.Runtime.Partitions;

/// <summary>
/// The activations of one partition, per grain type and then by grain key. Plain string keys let each lookup use the
/// runtime's non-randomized ordinal string hash; a (type, key) tuple would hash every key with Marvin, and this lookup
/// runs once per event.
/// </summary>
internal sealed class ActivationTable
{
    private readonly Dictionary<GrainType, Dictionary<string, Grain>> _byType = [];

    public int Count
    {
        get
        {
            var count = 0;
            foreach (var activations in _byType.Values)
            {
                count += activations.Count;
            }

            return count;
        }
    }

    /// <summary>The activations of <paramref name="grainType"/>: fetch once per batch, then look up by key.</summary>
    public Dictionary<string, Grain> Of(GrainType grainType)
    {
        if (!_byType.TryGetValue(grainType, out var activations))
        {
            activations = new Dictionary<string, Grain>(StringComparer.Ordinal);
            _byType.Add(grainType, activations);
        }

        return activations;
    }

    public void Remove(Grain grain)
    {
        if (_byType.TryGetValue(grain.Type, out var activations))
        {
            activations.Remove(grain.GrainKey);
        }
    }

    /// <summary>Drops activations, oldest grain type first, until at most <paramref name="target"/> remain.</summary>
    public void TrimTo(int target)
    {
        var excess = Count - target;
        foreach (var activations in _byType.Values)
        {
            if (excess <= 0)
            {
                return;
            }

            var victims = activations.Keys.Take(excess).ToList();
            foreach (var key in victims)
            {
                activations.Remove(key);
            }

            excess -= victims.Count;
        }
    }
}
