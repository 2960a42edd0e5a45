namespace KinesisGrains.Runtime.Grains;

/// <summary>Marker for grain interfaces. A grain is a virtual actor: one per key, activated on first use.</summary>
public interface IGrain
{
}

/// <summary>A grain addressed by a string key (a user id, a device id, an account).</summary>
public interface IGrainWithStringKey : IGrain
{
}
