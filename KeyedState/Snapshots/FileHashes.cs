using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace KinesisGrains.KeyedState.Snapshots;

/// <summary>
/// SHA-256 of local files, with a memory of immutable (SST) files per partition: a checkpoint hard-links the DB's SST files,
/// so without it every snapshot would re-read the whole DB just to find the few new files.
/// </summary>
internal sealed class FileHashes
{
    private const int BufferSize = 1024 * 1024;

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<FileIdentity, string>> _immutable = new(StringComparer.Ordinal);

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(hash);
        }
    }

    /// <summary>The hash of an immutable file, from memory when the same name, size and modification time were hashed before.</summary>
    public async Task<string> ImmutableSha256Async(string partitionId, FileInfo file, CancellationToken cancellationToken)
    {
        if (_immutable.TryGetValue(partitionId, out var known) && known.TryGetValue(FileIdentity.Of(file), out var hash))
        {
            return hash;
        }

        return await Sha256Async(file.FullName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replaces what is remembered for the partition with the files of its latest snapshot, so memory stays bounded.</summary>
    public void Remember(string partitionId, IEnumerable<(FileInfo File, string Sha256)> files) =>
        _immutable[partitionId] = files.ToDictionary(entry => FileIdentity.Of(entry.File), entry => entry.Sha256);

    // A hard link shares the inode and so the modification time; a restored or copied file gets a new one.
    private readonly record struct FileIdentity(string Name, long Size, DateTime LastWriteUtc)
    {
        public static FileIdentity Of(FileInfo file) => new(file.Name, file.Length, file.LastWriteTimeUtc);
    }
}
