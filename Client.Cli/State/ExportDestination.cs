using Amazon.S3;
using Amazon.S3.Model;
using KinesisGrains.KeyedState.Snapshots;

namespace KinesisGrains.Cli.State;

/// <summary>
/// Where <c>kgrains state export --to</c> writes: a local file, or an S3 object (<c>s3://bucket/key</c>, one PUT: up to
/// 5 GiB). The lines go to a file of their own first and take the name only once complete, so a failed export leaves
/// neither half a file nor half an object, nor clobbers an earlier export. The summary goes beside it as
/// <c>{name}_export.json</c>. Bodies are sent plain (no aws-chunked encoding), which emulators store verbatim.
/// </summary>
internal sealed class ExportDestination
{
    private ExportDestination(string given, string? bucket, string? key, string localPath)
    {
        Given = given;
        Bucket = bucket;
        Key = key;
        LocalPath = localPath;
    }

    public string Given { get; }

    public string? Bucket { get; }

    public string? Key { get; }

    /// <summary>The file asked for, or for S3 the temp file the object is uploaded from.</summary>
    public string LocalPath { get; }

    public bool IsS3 => Bucket is not null;

    /// <summary>The summary's place: the output's name without its extension, then <c>_export.json</c>.</summary>
    public string SummaryName => Path.GetFileNameWithoutExtension(IsS3 ? Key! : LocalPath) + "_export.json";

    public static ExportDestination Parse(string value)
    {
        if (value.StartsWith("s3://", StringComparison.Ordinal))
        {
            var rest = value["s3://".Length..];
            var slash = rest.IndexOf('/');
            if (slash <= 0 || slash == rest.Length - 1 || rest.EndsWith('/'))
            {
                throw CliException.Usage($"--to '{value}' must name an object, s3://bucket/key.jsonl.");
            }

            return new ExportDestination(value, rest[..slash], rest[(slash + 1)..], Path.Combine(Path.GetTempPath(), $"kgrains-export-{Guid.NewGuid():N}.jsonl"));
        }

        if (value.Length == 0 || value.EndsWith('/') || Directory.Exists(value))
        {
            throw CliException.Usage($"--to '{value}' must name a file (or s3://bucket/key.jsonl), not a folder.");
        }

        return new ExportDestination(value, null, null, Path.GetFullPath(value));
    }

    /// <summary>The file the lines are written to until the export completes.</summary>
    public string WorkingPath => IsS3 ? LocalPath : LocalPath + ".partial";

    public string SummaryLocation => IsS3
        ? $"s3://{Bucket}/{SummaryKey}"
        : Path.Combine(Path.GetDirectoryName(LocalPath)!, SummaryName);

    private string SummaryKey => Key!.LastIndexOf('/') is var slash and >= 0 ? Key[..(slash + 1)] + SummaryName : SummaryName;

    /// <summary>Puts the finished lines and the summary in place.</summary>
    public async Task CompleteAsync(byte[] summary, S3SnapshotOptions s3, CancellationToken cancellationToken)
    {
        if (!IsS3)
        {
            File.Move(WorkingPath, LocalPath, overwrite: true);
            await File.WriteAllBytesAsync(SummaryLocation, summary, cancellationToken);
            return;
        }

        using var client = ApplicationSnapshots.CreateS3(new S3SnapshotOptions { Bucket = Bucket!, ServiceUrl = s3.ServiceUrl, Region = s3.Region });
        try
        {
            await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = Key, FilePath = LocalPath, ContentType = "application/x-ndjson", UseChunkEncoding = false }, cancellationToken);
            using var body = new MemoryStream(summary);
            await client.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = SummaryKey, InputStream = body, ContentType = "application/json", UseChunkEncoding = false }, cancellationToken);
        }
        finally
        {
            File.Delete(LocalPath);
        }
    }

    public void Abandon() => File.Delete(WorkingPath);
}
