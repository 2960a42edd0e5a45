using System.CommandLine;

namespace KinesisGrains.Cli.Parsing;

/// <summary>Range checks that fail at parse time, so a bad value is a usage error (exit 2) before anything is done.</summary>
internal static class OptionRules
{
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum)
        where T : struct, IComparable<T>
    {
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number at all: System.CommandLine reports that already
            }

            if (value.CompareTo(minimum) < 0)
            {
                result.AddError($"{option.Name} must be at least {minimum}, not {value}.");
            }
        });
        return option;
    }

    public static Option<Duration> Positive(this Option<Duration> option)
    {
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<Duration>().Value <= TimeSpan.Zero)
            {
                result.AddError($"{option.Name} must be longer than 0");
            }
        });
        return option;
    }
}
