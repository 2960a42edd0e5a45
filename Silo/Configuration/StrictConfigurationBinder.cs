using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace KinesisGrains.Silo.Configuration;

/// <summary>
/// Binds a configuration section onto the public properties of one or more objects, refusing what they do not know.
/// Unlike ConfigurationBinder, which ignores unknown keys and throws at the first value that does not convert, every
/// unknown key and every bad value becomes a problem naming its key, and binding goes on so all are reported at once.
/// </summary>
/// <remarks>
/// A key is known when a target has a public settable property of that name (case ignored). A property of a class
/// type is a nested section, walked the same way; a string-keyed dictionary is free-form: any key is taken.
/// </remarks>
public static class StrictConfigurationBinder
{
    /// <summary>Binds every key under <paramref name="section"/>; returns the problems, empty when all of it was bound.</summary>
    /// <param name="targets">Objects sharing the section: a key goes to each one that has it, and is refused if none has.</param>
    public static IReadOnlyList<string> Bind(IConfigurationSection section, params object[] targets)
    {
        var problems = new List<string>();
        BindSection(section, targets, problems);

        // Two targets with the same property and type refuse a bad value with the same sentence.
        return problems.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void BindSection(IConfigurationSection section, object[] targets, List<string> problems)
    {
        foreach (var child in section.GetChildren())
        {
            var known = false;
            foreach (var target in targets)
            {
                if (Settings(target.GetType()).FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase)) is { } property)
                {
                    BindProperty(target, property, child, problems);
                    known = true;
                }
            }

            if (!known)
            {
                var closest = ClosestName.Find(child.Key, targets.SelectMany(t => Settings(t.GetType())).Select(p => p.Name).Distinct());
                problems.Add(closest is null
                    ? $"{child.Path} is not a known setting."
                    : $"{child.Path} is not a known setting; did you mean {section.Path}:{closest}?");
            }
        }
    }

    /// <summary>The properties configuration can reach: settable ones, and get-only sections whose instance is filled in.</summary>
    private static IEnumerable<PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod?.IsPublic == true)
            .Where(p => p.SetMethod?.IsPublic == true || !ConfigurationValueConverter.IsSingleValue(p.PropertyType));

    private static void BindProperty(object target, PropertyInfo property, IConfigurationSection section, List<string> problems)
    {
        var type = property.PropertyType;
        if (ConfigurationValueConverter.IsSingleValue(type))
        {
            foreach (var nested in section.GetChildren())
            {
                problems.Add($"{nested.Path} is not a known setting: {section.Path} takes a single value.");
            }

            BindValue(section, type, problems, value => property.SetValue(target, value));
            return;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && ConfigurationValueConverter.IsSingleValue(type.GetGenericArguments()[0]))
        {
            BindList(target, property, section, problems);
            return;
        }

        if (!string.IsNullOrEmpty(section.Value))
        {
            problems.Add($"{section.Path} is a section of settings, not a single value.");
        }

        var instance = property.GetValue(target) ?? Create(target, property);
        if (DictionaryInterface(type) is { } dictionary)
        {
            BindDictionary(instance, dictionary, section, problems);
        }
        else if (instance is IEnumerable)
        {
            throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name}: {nameof(StrictConfigurationBinder)} binds lists of single values only.");
        }
        else
        {
            BindSection(section, [instance], problems);
        }
    }

    /// <summary>
    /// A list of single values: indexed keys (<c>Name:0</c>, <c>Name:1</c>, as JSON arrays bind) or one comma-separated
    /// value (<c>--Name=a,b</c>). What is bound replaces the default list.
    /// </summary>
    private static void BindList(object target, PropertyInfo property, IConfigurationSection section, List<string> problems)
    {
        var elementType = property.PropertyType.GetGenericArguments()[0];
        var list = (IList)Activator.CreateInstance(property.PropertyType)!;
        if (!string.IsNullOrEmpty(section.Value))
        {
            foreach (var item in section.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (ConfigurationValueConverter.TryConvert(item, elementType, out var converted))
                {
                    list.Add(converted);
                }
                else
                {
                    problems.Add($"{section.Path}: {ConfigurationValueConverter.Refusal(item, elementType)}.");
                }
            }
        }

        var entries = section.GetChildren().ToList();
        foreach (var entry in entries.Where(e => !int.TryParse(e.Key, out _)))
        {
            problems.Add($"{entry.Path} is not a known setting: {section.Path} is a list (keys 0, 1, 2 ...).");
        }

        foreach (var entry in entries.Where(e => int.TryParse(e.Key, out _)).OrderBy(e => int.Parse(e.Key, System.Globalization.CultureInfo.InvariantCulture)))
        {
            BindValue(entry, elementType, problems, value => list.Add(value));
        }

        if (!string.IsNullOrEmpty(section.Value) || entries.Count > 0)
        {
            property.SetValue(target, list);
        }
    }

    private static void BindDictionary(object dictionary, Type dictionaryInterface, IConfigurationSection section, List<string> problems)
    {
        var valueType = dictionaryInterface.GetGenericArguments()[1];
        if (!ConfigurationValueConverter.IsSingleValue(valueType))
        {
            throw new NotSupportedException($"{nameof(StrictConfigurationBinder)} binds dictionaries of single values only, not of {valueType.Name}.");
        }

        var indexer = dictionaryInterface.GetProperty("Item")!;
        foreach (var entry in section.GetChildren())
        {
            foreach (var nested in entry.GetChildren())
            {
                problems.Add($"{nested.Path} is not a known setting: {entry.Path} takes a single value.");
            }

            BindValue(entry, valueType, problems, value => indexer.SetValue(dictionary, value, [entry.Key]));
        }
    }

    private static void BindValue(IConfigurationSection section, Type type, List<string> problems, Action<object?> set)
    {
        // A key without a value (null, not empty) sets nothing, as with ConfigurationBinder.
        if (section.Value is not { } value)
        {
            return;
        }

        if (ConfigurationValueConverter.TryConvert(value, type, out var converted))
        {
            set(converted);
        }
        else
        {
            // Showing the value is safe: only non-string settings fail to convert, and secrets are strings.
            problems.Add($"{section.Path}: {ConfigurationValueConverter.Refusal(value, type)}.");
        }
    }

    /// <summary>IDictionary&lt;string, T&gt; when <paramref name="type"/> is or implements it.</summary>
    private static Type? DictionaryInterface(Type type) =>
        (type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>) && i.GetGenericArguments()[0] == typeof(string));

    /// <summary>A new instance for a null section property, set on its owner.</summary>
    private static object Create(object target, PropertyInfo property)
    {
        var type = property.PropertyType;
        var concrete = type.IsInterface && DictionaryInterface(type) is { } dictionary
            ? typeof(Dictionary<,>).MakeGenericType(dictionary.GetGenericArguments())
            : type;
        if (property.SetMethod?.IsPublic != true || concrete.IsAbstract || concrete.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new NotSupportedException($"{property.DeclaringType?.Name}.{property.Name} is null and cannot be created: give it a value or a public setter and a parameterless constructor.");
        }

        var instance = Activator.CreateInstance(concrete)!;
        property.SetValue(target, instance);
        return instance;
    }
}
