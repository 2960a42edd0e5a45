using KinesisGrains.Silo.Configuration;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace KinesisGrains.Tests;

/// <summary>The binder on shapes the silo's options do not have yet: nested sections, free-form keys, nullable values.</summary>
public sealed class StrictConfigurationBinderTests
{
    [Fact]
    public void A_nested_section_is_walked_and_its_unknown_keys_refused_by_full_path()
    {
        var target = new Outer();

        var problems = Bind(target, ("App:Retry:Attempts", "4"), ("App:Created:Attempts", "2"), ("App:Retry:Atempts", "5"), ("App:Retry:Delay", "later"));

        Assert.Equal(
            [
                "App:Retry:Atempts is not a known setting; did you mean App:Retry:Attempts?",
                "App:Retry:Delay: 'later' is not a TimeSpan (like 00:00:00.200).",
            ],
            problems);
        Assert.Equal(4, target.Retry.Attempts);
        Assert.Equal(2, target.Created?.Attempts);
    }

    [Fact]
    public void Any_key_of_a_dictionary_is_taken_and_its_values_converted()
    {
        var target = new Outer();

        var problems = Bind(target, ("App:Tags:team", "streams"), ("App:Tags:Cost-Centre", "42"), ("App:Limits:orders", "10"), ("App:Limits:users", "ten"));

        Assert.Equal(["App:Limits:users: 'ten' is not an Int32 (a whole number, like 16)."], problems);
        Assert.Equal("streams", target.Tags["team"]);
        Assert.Equal("42", target.Tags["Cost-Centre"]);
        Assert.Equal(10, target.Limits!["orders"]);
    }

    [Fact]
    public void A_nullable_value_is_set_cleared_or_refused()
    {
        var set = new Outer();
        var cleared = new Outer { Timeout = TimeSpan.FromSeconds(1) };
        var refused = new Outer();

        Assert.Empty(Bind(set, ("App:Timeout", "00:01:00")));
        Assert.Empty(Bind(cleared, ("App:Timeout", "")));
        Assert.Equal(["App:Timeout: 'a minute' is not a TimeSpan (like 00:00:00.200)."], Bind(refused, ("App:Timeout", "a minute")));
        Assert.Equal(TimeSpan.FromMinutes(1), set.Timeout);
        Assert.Null(cleared.Timeout);
        Assert.Null(refused.Timeout);
    }

    [Fact]
    public void A_key_goes_to_every_target_that_has_it_and_a_bad_value_is_told_once()
    {
        var first = new Outer();
        var second = new Outer();

        var problems = Bind([first, second], ("App:Name", "both"), ("App:Size", "big"));

        Assert.Equal(["App:Size: 'big' is not an Int32 (a whole number, like 16)."], problems);
        Assert.Equal("both", first.Name);
        Assert.Equal("both", second.Name);
    }

    [Fact]
    public void A_computed_property_is_not_a_setting()
    {
        var problems = Bind(new Outer(), ("App:Description", "x"));

        Assert.Equal(["App:Description is not a known setting."], problems);
    }

    private static IReadOnlyList<string> Bind(object target, params (string Key, string? Value)[] settings) => Bind([target], settings);

    private static IReadOnlyList<string> Bind(object[] targets, params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value)))
            .Build();
        return StrictConfigurationBinder.Bind(configuration.GetSection("App"), targets);
    }

    [Fact]
    public void A_list_binds_from_indexed_keys_or_one_comma_separated_value_and_replaces_its_default()
    {
        var indexed = new Outer();
        Assert.Empty(Bind(indexed, ("App:Columns:1", "b"), ("App:Columns:0", "a")));
        Assert.Equal(["a", "b"], indexed.Columns);

        var separated = new Outer();
        Assert.Equal(["App:Ports: 'x' is not an Int32 (a whole number, like 16)."], Bind(separated, ("App:Columns", "date(ts), user"), ("App:Ports", "1,x,3")));
        Assert.Equal(["date(ts)", "user"], separated.Columns);
        Assert.Equal([1, 3], separated.Ports);

        var untouched = new Outer();
        Assert.Equal(["App:Columns:first is not a known setting: App:Columns is a list (keys 0, 1, 2 ...)."], Bind(untouched, ("App:Columns:first", "a")));
    }

    private sealed class Outer
    {
        public string Name { get; set; } = "";

        public int Size { get; set; }

        public TimeSpan? Timeout { get; set; }

        /// <summary>A get-only section: bound into the existing instance.</summary>
        public RetryOptions Retry { get; } = new();

        /// <summary>A null section with a setter: created when configured.</summary>
        public RetryOptions? Created { get; set; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.OrdinalIgnoreCase);

        public IDictionary<string, int>? Limits { get; set; }

        public List<string> Columns { get; set; } = ["default"];

        public List<int> Ports { get; set; } = [];

        public string Description => $"{Name} ({Size})";
    }

    private sealed class RetryOptions
    {
        public int Attempts { get; set; } = 3;

        public TimeSpan Delay { get; set; }
    }
}
