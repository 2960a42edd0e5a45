namespace KinesisGrains.Client;

/// <summary>Where the client finds the cluster and how long it waits for a call.</summary>
public sealed class GrainClientOptions
{
    /// <summary>The HTTP endpoint of a silo (a gateway), for example http://127.0.0.1:8080.</summary>
    public Uri? SiloEndpoint { get; set; }

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (SiloEndpoint is null || !SiloEndpoint.IsAbsoluteUri || SiloEndpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"SiloEndpoint must be an absolute http(s) URL; it is '{SiloEndpoint}'.");
        }

        if (CallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CallTimeout must be positive; it is {CallTimeout}.");
        }
    }
}
