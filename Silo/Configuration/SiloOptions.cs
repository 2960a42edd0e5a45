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

    /// <summary>The HTTP endpoint for grain calls and status; port 0 picks a free port.</summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>This silo's identity as a lease owner; defaults to host name and process id.</summary>
    public string? SiloId { get; set; }

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
    }
}
