namespace KinesisGrains.DynamoDb.Persistence;

/// <summary>
/// One named piece of a grain's state, kept outside the stream path (settings, alerts) and read and written
/// explicitly, like Orleans' <c>IPersistentState&lt;TState&gt;</c>.
/// </summary>
/// <remarks>
/// Writes are optimistic: each one is conditional on the <see cref="Etag"/> this object last read or wrote, so a write
/// that lost a race throws <see cref="InconsistentStateException"/> instead of overwriting the winner. Re-read and
/// apply the change again; retrying the same write fails the same way. An instance is not thread-safe: a grain uses it
/// one turn at a time.
/// </remarks>
/// <typeparam name="TState">The state; serialized as JSON.</typeparam>
public interface IPersistentState<TState>
    where TState : class, new()
{
    /// <summary>The state: a fresh <typeparamref name="TState"/> until read, when there is no record, or after a clear.</summary>
    TState State { get; set; }

    /// <summary>The version of the stored record this object last read or wrote; <c>null</c> when it saw none.</summary>
    string? Etag { get; }

    /// <summary>Whether the last read or write saw a stored record.</summary>
    bool RecordExists { get; }

    /// <summary>Loads the stored state, or a fresh <typeparamref name="TState"/> when there is no record.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores <see cref="State"/> if the record is still at <see cref="Etag"/>.</summary>
    /// <exception cref="InconsistentStateException">Another writer changed the record first; nothing was written.</exception>
    /// <exception cref="GrainStateTooLargeException">The item would exceed DynamoDB's item size limit; nothing was sent.</exception>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored record if it is still at <see cref="Etag"/>, and resets <see cref="State"/>.</summary>
    /// <exception cref="InconsistentStateException">Another writer changed the record first; nothing was deleted.</exception>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
