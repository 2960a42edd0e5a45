using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace KinesisGrains.Runtime.Grains;

/// <summary>A registered grain implementation: its stable name, the interfaces it serves and how to build one.</summary>
public sealed class GrainType
{
    private readonly ObjectFactory _factory;
    private readonly Dictionary<string, GrainMethod> _methods = new(StringComparer.Ordinal);

    public GrainType(Type implementation)
    {
        if (!typeof(Grain).IsAssignableFrom(implementation) || implementation.IsAbstract)
        {
            throw new ArgumentException($"{implementation} is not a concrete subclass of {nameof(Grain)}.", nameof(implementation));
        }

        Implementation = implementation;
        Name = implementation.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? implementation.FullName!;
        Interfaces = implementation.GetInterfaces()
            .Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain) && i != typeof(IGrainWithStringKey))
            .ToArray();
        foreach (var grainInterface in Interfaces)
        {
            foreach (var method in grainInterface.GetMethods())
            {
                _methods[MethodKey(grainInterface, method.Name)] = new GrainMethod(method);
            }
        }

        _factory = ActivatorUtilities.CreateFactory(implementation, Type.EmptyTypes);
    }

    public string Name { get; }

    public Type Implementation { get; }

    public IReadOnlyList<Type> Interfaces { get; }

    internal Grain Create(IServiceProvider services) => (Grain)_factory(services, null);

    internal GrainMethod GetMethod(Type grainInterface, string methodName) =>
        _methods.TryGetValue(MethodKey(grainInterface, methodName), out var method)
            ? method
            : throw new GrainCallException($"{GrainInterfaceName.Of(grainInterface)} has no method '{methodName}'.");

    private static string MethodKey(Type grainInterface, string method) => grainInterface.FullName + "::" + method;
}
