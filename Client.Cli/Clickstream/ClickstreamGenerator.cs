using KinesisGrains.Grains.UserActivity;

namespace KinesisGrains.Cli.Clickstream;

/// <summary>Makes a reproducible clickstream: events of random types and sizes over a fixed set of user ids.</summary>
public sealed class ClickstreamGenerator(int keyCount, int seed, DateTimeOffset start)
{
    private static readonly string[] s_types = ["view", "click", "add_to_cart", "purchase"];
    private static readonly int[] s_typeWeights = [60, 25, 10, 5];

    private readonly Random _random = new(seed);
    private long _sequence;

    public static string UserId(int index) => $"user-{index:D6}";

    public ClickEvent Next()
    {
        var user = UserId(_random.Next(keyCount));
        var roll = _random.Next(100);
        var type = 0;
        while (roll >= s_typeWeights[type])
        {
            roll -= s_typeWeights[type];
            type++;
        }

        // Millisecond timestamps, so JSON round trips compare equal.
        var timestamp = start.AddMilliseconds(_sequence++ * 3 + _random.Next(3));
        return new ClickEvent(user, s_types[type], _random.Next(200, 20_000), timestamp);
    }
}
