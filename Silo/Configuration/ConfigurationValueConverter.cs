using System.ComponentModel;
using System.Globalization;

namespace KinesisGrains.Silo.Configuration;

/// <summary>Turns one configuration string into a value of a property's type, or says what was expected instead.</summary>
internal static class ConfigurationValueConverter
{
    private static readonly Dictionary<Type, string> s_examples = new()
    {
        [typeof(TimeSpan)] = "like 00:00:00.200",
        [typeof(bool)] = "true or false",
        [typeof(int)] = "a whole number, like 16",
        [typeof(long)] = "a whole number, like 536870912",
        [typeof(double)] = "a number, like 1.5",
        [typeof(decimal)] = "a number, like 1.5",
        [typeof(DateTimeOffset)] = "like 2024-01-31T12:00:00Z",
        [typeof(DateTime)] = "like 2024-01-31T12:00:00Z",
        [typeof(Uri)] = "like http://127.0.0.1:4566",
    };

    /// <summary>True for types set from one string; any other type is a section of settings.</summary>
    public static bool IsSingleValue(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(string) || target.IsEnum
            || (target != typeof(object) && TypeDescriptor.GetConverter(target).CanConvertFrom(typeof(string)));
    }

    /// <summary>Converts <paramref name="value"/>; an empty string is null for nullable and reference types, as ConfigurationBinder has it.</summary>
    public static bool TryConvert(string value, Type type, out object? result)
    {
        result = null;
        if (type == typeof(string))
        {
            result = value;
            return true;
        }

        var underlying = Nullable.GetUnderlyingType(type);
        if ((underlying is not null || !type.IsValueType) && value.Length == 0)
        {
            return true;
        }

        var target = underlying ?? type;
        if (target.IsEnum)
        {
            // Names only: Enum.TryParse also takes any number, which would let "7" through as an undefined member.
            var ok = value.TrimStart() is [var first, ..] && char.IsLetter(first) && Enum.TryParse(target, value, ignoreCase: true, out result);
            return ok && (target.IsDefined(typeof(FlagsAttribute), inherit: false) || Enum.IsDefined(target, result!));
        }

        if (target == typeof(bool))
        {
            var ok = bool.TryParse(value, out var flag);
            result = flag;
            return ok;
        }

        if (target == typeof(TimeSpan))
        {
            var ok = TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span);
            result = span;
            return ok;
        }

        if (target == typeof(Uri))
        {
            // Relative or absolute, as ConfigurationBinder converts; each option's validation rules say which it needs.
            var ok = Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out var uri);
            result = uri;
            return ok;
        }

        try
        {
            result = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
            return result is not null;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            // Type converters signal a bad string with any of these, depending on the type.
            return false;
        }
    }

    /// <summary>Why <paramref name="value"/> does not convert, e.g. "'abc' is not a TimeSpan (like 00:00:00.200)".</summary>
    public static string Refusal(string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var name = target.Name;
        var article = name is ['A' or 'E' or 'I' or 'O', ..] ? "an" : "a";
        var hint = target.IsEnum
            ? "one of " + string.Join(", ", Enum.GetNames(target))
            : s_examples.GetValueOrDefault(target);
        return hint is null ? $"'{value}' is not {article} {name}" : $"'{value}' is not {article} {name} ({hint})";
    }
}
