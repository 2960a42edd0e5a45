using KinesisGrains.Kinesis.Client;

namespace KinesisGrains.Benchmarks;

/// <summary>
/// What the benchmarks that host silos in their own process on kinesis-local (leases on dynalite) share: the client,
/// the settings of one silo of an application, and its data folder removed afterwards.
/// </summary>
internal static class KinesisLocalSilos
{
    /// <summary>A client of kinesis-local (any credentials do; a minute per request, for the large puts).</summary>
    public static KinesisClient Client(Uri kinesisLocal) =>
        new(new KinesisClientOptions { ServiceUrl = kinesisLocal, AccessKeyId = "local", SecretAccessKey = "local", RequestTimeout = TimeSpan.FromMinutes(1) });

    /// <summary>
    /// One silo of <paramref name="application"/> (its own lease table and, with enhanced fan-out, its own consumer)
    /// reading <paramref name="stream"/> in <paramref name="consumerMode"/> (Polling or Efo) into 8 partitions, its
    /// state under <paramref name="dataDirectory"/>, ports chosen free, warnings only; the caller adds the start
    /// position and any pacing.
    /// </summary>
    public static Dictionary<string, string?> Settings(
        Uri kinesisLocal, Uri dynamoDb, string application, string stream, string consumerMode, string dataDirectory) => new()
    {
        ["Silo:ApplicationName"] = application,
        ["Silo:DataDirectory"] = dataDirectory,
        ["Silo:HttpUrl"] = "http://127.0.0.1:0",
        ["Silo:SiloPort"] = "0",
        ["Silo:GatewayPort"] = "0",
        ["Kinesis:StreamName"] = stream,
        ["Kinesis:ServiceUrl"] = kinesisLocal.ToString(),
        ["Kinesis:AccessKeyId"] = "local",
        ["Kinesis:SecretAccessKey"] = "local",
        ["Kinesis:ConsumerMode"] = consumerMode,
        ["DynamoDB:ServiceUrl"] = dynamoDb.ToString(),
        ["DynamoDB:AccessKeyId"] = "local",
        ["DynamoDB:SecretAccessKey"] = "local",
        ["Grains:PartitionCount"] = "8",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>A silo's data folder in the temp folder, named for <paramref name="benchmark"/>.</summary>
    public static string NewDataDirectory(string benchmark) =>
        Path.Combine(Path.GetTempPath(), $"kgrains-{benchmark}-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Removes a stopped silo's data folder (what is still held open stays).</summary>
    public static void DeleteData(string dataDirectory)
    {
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
