namespace KinesisGrains.KeyedState.Windows;

/// <summary>
/// A window's result as the sinks get it: once when the watermark passes the window's end (revision 1), again for
/// each late event within the allowed lateness (the higher revision replaces the lower), and for a session window
/// merged into a later one a retraction of the result it had emitted.
/// </summary>
/// <param name="Key">The state key.</param>
/// <param name="Revision">1 for the first result; a reader keeps the highest per (key, window start).</param>
/// <param name="Retracted">The window no longer exists (a session merged into another): drop its earlier rows.</param>
public readonly record struct WindowRow<TResult>(
    string Key, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, TResult Value, long Events, int Revision, bool Retracted);
