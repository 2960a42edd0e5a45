namespace KinesisGrains.KeyedState.RocksDb;

/// <summary>A RocksDB call reported an error status.</summary>
internal sealed class RocksDbException : Exception
{
    public RocksDbException(string operation, string path, string nativeMessage, string? target = null)
        : this(operation, path, nativeMessage, target, innerException: null)
    {
    }

    /// <param name="innerException">The RocksDbSharp exception that carried the status, if any.</param>
    public RocksDbException(string operation, string path, string nativeMessage, string? target, Exception? innerException)
        : base(FormatMessage(operation, path, nativeMessage, target), innerException)
    {
        Operation = operation;
        Path = path;
        NativeMessage = nativeMessage;
    }

    /// <summary>The failed operation, such as "open", "put" or "checkpoint".</summary>
    public string Operation { get; }

    /// <summary>The DB folder the operation was run against.</summary>
    public string Path { get; }

    /// <summary>RocksDB's status text, such as "IO error: ..." or "Invalid argument: ...".</summary>
    public string NativeMessage { get; }

    private static string FormatMessage(string operation, string path, string nativeMessage, string? target) =>
        target is null
            ? $"RocksDB {operation} of '{path}' failed: {nativeMessage}"
            : $"RocksDB {operation} of '{path}' into '{target}' failed: {nativeMessage}";
}
