namespace KinesisGrains.Silo.Configuration;

/// <summary>The silo's own settings (section <c>Silo</c>).</summary>
public sealed class SiloOptions
{
    /// <summary>
    /// The application: names the DynamoDB lease table, so two applications on one stream keep their own checkpoints.
    /// </summary>
    public string ApplicationName { get; set; } = "";

    /// <summary>Where local state lives (RocksDB, dead letters). Relative paths are under the working folder.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The HTTP endpoint for status and health; port 0 picks a free port.</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>This silo's identity as a lease owner; defaults to a name kept in the data folder.</summary>
    public string? SiloId { get; set; }

    /// <summary>The Orleans cluster this silo joins; clients connect with the same id.</summary>
    public string ClusterId { get; set; } = "kgrains";

    /// <summary>The Orleans service id; empty: the application name.</summary>
    public string? ServiceId { get; set; }

    /// <summary>Orleans silo-to-silo port on 127.0.0.1; 0 picks a free port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans gateway port for clients (the kgrains tool); 0 picks a free port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>How silos find each other: <c>Localhost</c> (one silo per cluster) or <c>DynamoDB</c> (a membership table).</summary>
    public SiloClustering Clustering { get; set; } = SiloClustering.Localhost;

    /// <summary>The DynamoDB membership table with <c>Clustering=DynamoDB</c>, on the <c>DynamoDB</c> section's endpoint.</summary>
    public string MembershipTableName { get; set; } = KinesisGrains.Clustering.DynamoDB.DynamoDBSiloTableOptions.DefaultTableName;

    /// <summary>The IP address other silos and clients reach this silo at; the silo also listens on it.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// With <c>Clustering=DynamoDB</c>: a silo whose endpoint refuses connections (no process listens there any more)
    /// is declared dead at once instead of after Orleans' missed probes and votes (see <c>RefusedConnectionDetector</c>).
    /// </summary>
    public bool DeclareDeadOnRefusedConnection { get; set; } = true;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(ApplicationName))
        {
            yield return "Silo:ApplicationName is required (it names the DynamoDB lease table).";
        }
        else if (ApplicationName.Length is < 3 or > 255 || !ApplicationName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            yield return $"Silo:ApplicationName must be 3 to 255 characters of letters, digits, '_', '-' and '.' (a DynamoDB table name); it is '{ApplicationName}'.";
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return "Silo:DataDirectory is required.";
        }

        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            yield return $"Silo:HttpUrl must be an absolute http(s) URL; it is '{HttpUrl}'.";
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            yield return "Silo:ClusterId is required.";
        }

        foreach (var (name, port) in new[] { ("SiloPort", SiloPort), ("GatewayPort", GatewayPort) })
        {
            if (port is < 0 or > 65535)
            {
                yield return $"Silo:{name} must be between 0 and 65535; it is {port}.";
            }
        }

        if (!System.Net.IPAddress.TryParse(AdvertisedAddress, out _))
        {
            yield return $"Silo:AdvertisedAddress must be an IP address, like 127.0.0.1; it is '{AdvertisedAddress}'.";
        }

        if (SiloPort != 0 && SiloPort == GatewayPort)
        {
            yield return $"Silo:SiloPort and Silo:GatewayPort must differ; both are {SiloPort}.";
        }
    }
}
