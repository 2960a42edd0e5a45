namespace KinesisGrains.Runtime.Grains;

/// <summary>The grain implementations a silo hosts, found by interface name for calls and by type for streams.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, (GrainType Type, Type Interface)> _byInterface = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, GrainType> _byImplementation = [];

    public GrainTypeRegistry(IEnumerable<Type> implementations)
    {
        foreach (var implementation in implementations)
        {
            var grainType = new GrainType(implementation);
            _byImplementation.Add(implementation, grainType);
            foreach (var grainInterface in grainType.Interfaces)
            {
                if (!_byInterface.TryAdd(GrainInterfaceName.Of(grainInterface), (grainType, grainInterface)))
                {
                    throw new InvalidOperationException(
                        $"Two grain classes implement {grainInterface}: {_byInterface[GrainInterfaceName.Of(grainInterface)].Type.Implementation} and {implementation}.");
                }
            }
        }
    }

    public GrainType Get(Type implementation) =>
        _byImplementation.TryGetValue(implementation, out var grainType)
            ? grainType
            : throw new InvalidOperationException($"Grain class {implementation} is not registered with the silo.");

    public (GrainType Type, Type Interface) GetByInterface(string interfaceName) =>
        _byInterface.TryGetValue(interfaceName, out var entry)
            ? entry
            : throw new GrainCallException($"No grain class on this silo implements '{interfaceName}'.");
}
