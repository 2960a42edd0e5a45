namespace KinesisGrains.Runtime.Grains;

/// <summary>The name a grain interface goes by on the wire: its full CLR name, shared by client and silo.</summary>
public static class GrainInterfaceName
{
    public static string Of(Type grainInterface) =>
        grainInterface.FullName ?? throw new ArgumentException($"{grainInterface} has no full name.", nameof(grainInterface));

    public static string Of<TGrainInterface>()
        where TGrainInterface : IGrain => Of(typeof(TGrainInterface));
}
