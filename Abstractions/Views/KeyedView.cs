namespace KinesisGrains.Abstractions.Views;

/// <summary>
/// Another aggregation of one stream's events, keyed by a key of its own (the page, the country, one global key): the
/// receiver routes every decoded event to the primary view (keyed by the message handler) and to each keyed view, from
/// one read of Kinesis. The view's partition grains subscribe implicitly to the Orleans stream namespace
/// <see cref="Name"/>, and see the view's key as <c>KeyedEvent.Key</c>. Records the message handler rejects are
/// dead-lettered by the primary view only.
/// </summary>
public abstract class KeyedView
{
    private protected KeyedView(string name, KeyedViewRouting routing)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Routing = routing;
    }

    /// <summary>The view's name: the Orleans stream namespace its partition grains subscribe to.</summary>
    public string Name { get; }

    /// <summary>Whether an event goes to the partition of its view key, or of its primary key (hot keys).</summary>
    public KeyedViewRouting Routing { get; }

    /// <summary>The events the view keys; the stream provider's event type.</summary>
    public abstract Type EventType { get; }

    /// <summary>The view's name and routing, for logs.</summary>
    public override string ToString() => $"{Name} ({Routing})";
}

/// <summary>A <see cref="KeyedView"/> of <typeparamref name="TEvent"/>.</summary>
/// <param name="keyOf">
/// The event's key in this view. A selector that throws or returns null rejects the record: it is dead-lettered with
/// the reason and applied in no view (a record is in every view or in none).
/// </param>
public sealed class KeyedView<TEvent>(string name, Func<TEvent, string> keyOf, KeyedViewRouting routing = KeyedViewRouting.ByKey)
    : KeyedView(name, routing)
{
    /// <summary>Picks the key an event is held under in this view.</summary>
    public Func<TEvent, string> KeyOf { get; } = keyOf ?? throw new ArgumentNullException(nameof(keyOf));

    /// <inheritdoc/>
    public override Type EventType => typeof(TEvent);
}
