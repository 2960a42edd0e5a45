using System.Collections.Concurrent;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// Rebuilds a checkpoint folder from a manifest: keeps local files that already match, copies matching files from a
/// cache folder, downloads the rest in ranges, and checks the size and SHA-256 of every file before it takes its name.
/// </summary>
internal sealed class SnapshotRestorer(S3Objects objects, S3SnapshotOptions options)
{
    private const string CurrentFile = "CURRENT";
    private const string TempSuffix = ".restoring";

    public async Task<(long BytesDownloaded, int FilesDownloaded, int FilesReused)> RestoreAsync(
        SnapshotManifest manifest, string targetDirectory, string? cacheDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(targetDirectory);
        var wanted = manifest.Files.Select(file => file.Name).ToHashSet(StringComparer.Ordinal);

        // A file the snapshot does not list would change what RocksDB opens: a stale WAL would even be replayed.
        foreach (var path in Directory.EnumerateFiles(targetDirectory))
        {
            if (!wanted.Contains(Path.GetFileName(path)))
            {
                File.Delete(path);
            }
        }

        var reusedInPlace = new ConcurrentBag<SnapshotFile>();
        await Parallel.ForEachAsync(manifest.Files, HashingOptions(cancellationToken), async (file, token) =>
        {
            if (await MatchesAsync(Path.Combine(targetDirectory, file.Name), file, token).ConfigureAwait(false))
            {
                reusedInPlace.Add(file);
            }
        }).ConfigureAwait(false);

        var toFetch = manifest.Files.Except(reusedInPlace).ToList();
        if (toFetch.Count == 0)
        {
            return (0, 0, manifest.Files.Count);
        }

        // A restore cut short must not leave a folder that opens as a mix of two snapshots: CURRENT goes first and comes back last.
        if (toFetch.Any(file => file.Name == CurrentFile))
        {
            File.Delete(Path.Combine(targetDirectory, CurrentFile));
        }

        long bytesDownloaded = 0;
        var filesDownloaded = 0;
        var filesCopied = 0;
        var throttle = new SemaphoreSlim(options.UploadConcurrency);
        try
        {
            await Parallel.ForEachAsync(toFetch, TransferOptions(cancellationToken), async (file, token) =>
            {
                var temp = Path.Combine(targetDirectory, file.Name + TempSuffix);
                if (cacheDirectory is not null && await TryCopyAsync(Path.Combine(cacheDirectory, file.Name), temp, file, token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref filesCopied);
                }
                else
                {
                    await DownloadAsync(file, temp, throttle, token).ConfigureAwait(false);
                    Interlocked.Add(ref bytesDownloaded, file.Size);
                    Interlocked.Increment(ref filesDownloaded);
                }

                if (file.Name != CurrentFile)
                {
                    File.Move(temp, Path.Combine(targetDirectory, file.Name), overwrite: true);
                }
            }).ConfigureAwait(false);
        }
        catch
        {
            foreach (var temp in Directory.EnumerateFiles(targetDirectory, "*" + TempSuffix))
            {
                File.Delete(temp);
            }

            throw;
        }
        finally
        {
            throttle.Dispose();
        }

        if (toFetch.Any(file => file.Name == CurrentFile))
        {
            File.Move(Path.Combine(targetDirectory, CurrentFile + TempSuffix), Path.Combine(targetDirectory, CurrentFile), overwrite: true);
        }

        return (bytesDownloaded, filesDownloaded, reusedInPlace.Count + filesCopied);
    }

    private async Task DownloadAsync(SnapshotFile file, string temp, SemaphoreSlim throttle, CancellationToken cancellationToken)
    {
        using (var handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous, file.Size))
        {
            // An empty file's content is known from the manifest; there is nothing to fetch.
            var ranges = (file.Size + options.PartSizeBytes - 1) / options.PartSizeBytes;
            await Concurrently.RunAsync(LongRange(ranges), async (index, token) =>
            {
                var offset = index * options.PartSizeBytes;
                await Concurrently.ThrottledAsync(
                    throttle,
                    () => objects.DownloadRangeAsync(file, handle, offset, Math.Min(options.PartSizeBytes, file.Size - offset), token),
                    token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }

        var actual = await FileHashes.Sha256Async(temp, cancellationToken).ConfigureAwait(false);
        if (actual != file.Sha256)
        {
            File.Delete(temp);
            throw SnapshotCorruptException.HashMismatch(file, actual);
        }
    }

    // The cache may be a live DB folder; the copy is checked, not the original, so a file changing under us is harmless.
    private static async Task<bool> TryCopyAsync(string source, string temp, SnapshotFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(source);
        if (!info.Exists || info.Length != file.Size)
        {
            return false;
        }

        try
        {
            File.Copy(source, temp, overwrite: true);
        }
        catch (IOException)
        {
            return false;
        }

        return await MatchesAsync(temp, file, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> MatchesAsync(string path, SnapshotFile file, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        return info.Exists
            && info.Length == file.Size
            && await FileHashes.Sha256Async(path, cancellationToken).ConfigureAwait(false) == file.Sha256;
    }

    private static IEnumerable<long> LongRange(long count)
    {
        for (long index = 0; index < count; index++)
        {
            yield return index;
        }
    }

    private static ParallelOptions HashingOptions(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken };

    // Bounds the files open at once; the throttle bounds the requests, which a large file's ranges share with the others.
    private ParallelOptions TransferOptions(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.UploadConcurrency, CancellationToken = cancellationToken };
}
