using Orleans;

namespace KinesisGrains.Abstractions.Windows;

/// <summary>A partition grain that aggregates each key's events in windows, as its callers see it.</summary>
public interface IWindowedPartition<TResult> : IGrainWithIntegerKey
{
    /// <summary>The key's open windows and its most recently closed ones, oldest first; empty for a key never seen.</summary>
    Task<WindowResult<TResult>[]> GetWindowsAsync(string key);
}
