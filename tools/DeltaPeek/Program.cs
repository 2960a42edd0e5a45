using Amazon.Runtime;
using Amazon.S3;
using KinesisGrains.Testing.Delta;

// kgrains-delta-peek --endpoint URL --bucket B --path P [--sql "SELECT ... FROM t"]: prints the query's rows over the
// table's live files (default: the row count and three rows). Credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
var settings = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    settings[args[i].TrimStart('-')] = args[i + 1];
}

if (!settings.TryGetValue("bucket", out var bucket) || !settings.TryGetValue("path", out var path))
{
    Console.Error.WriteLine("usage: kgrains-delta-peek [--endpoint URL] --bucket BUCKET --path TABLE_PATH [--sql \"SELECT ... FROM t\"]");
    return 2;
}

var config = new AmazonS3Config
{
    ForcePathStyle = true,
    AuthenticationRegion = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1",
    RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
    ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
};
if (settings.TryGetValue("endpoint", out var endpoint))
{
    config.ServiceURL = endpoint;
}

using var s3 = new AmazonS3Client(
    new BasicAWSCredentials(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "S3RVER", Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "S3RVER"), config);
using var table = await IndependentDeltaReader.LoadAsync(s3, bucket, path.Trim('/'));
using var duck = table.OpenDuckDB();
Console.WriteLine($"s3://{bucket}/{path.Trim('/')}: {table.Commits.Count} commits (versions {table.Commits.Keys.FirstOrDefault()}..{table.Commits.Keys.LastOrDefault()}), {table.LiveFiles.Count} live files, {IndependentDeltaReader.Scalar(duck, "SELECT count(*) FROM t")} rows (read with DuckDB)");
var sql = settings.GetValueOrDefault("sql") ?? "SELECT * FROM t LIMIT 3";
using var command = duck.CreateCommand();
command.CommandText = sql;
using var reader = command.ExecuteReader();
var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
Console.WriteLine(string.Join(" | ", columns));
while (reader.Read())
{
    Console.WriteLine(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Format(reader.GetValue(i)))));
}

return 0;

static string Format(object value) => value switch
{
    System.Collections.IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => $"{k}: {map[k]}")) + "}",
    DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture),
    _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
};
