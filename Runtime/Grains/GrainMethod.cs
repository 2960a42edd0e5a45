using System.Reflection;
using System.Text.Json;
using KinesisGrains.Runtime.Serialization;

namespace KinesisGrains.Runtime.Grains;

/// <summary>A grain interface method callable by name with JSON arguments; it must return Task or Task&lt;T&gt;.</summary>
internal sealed class GrainMethod
{
    private readonly MethodInfo _method;
    private readonly ParameterInfo[] _parameters;
    private readonly PropertyInfo? _resultProperty;

    public GrainMethod(MethodInfo method)
    {
        _method = method;
        _parameters = method.GetParameters();
        if (method.ReturnType == typeof(Task))
        {
            ResultType = null;
        }
        else if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            ResultType = method.ReturnType.GetGenericArguments()[0];
            _resultProperty = method.ReturnType.GetProperty(nameof(Task<object>.Result));
        }
        else
        {
            throw new ArgumentException(
                $"Grain method {method.DeclaringType}.{method.Name} must return Task or Task<T>, not {method.ReturnType}.");
        }
    }

    public Type? ResultType { get; }

    public object?[] BindArguments(JsonElement arguments)
    {
        var count = arguments.ValueKind == JsonValueKind.Array ? arguments.GetArrayLength() : 0;
        if (arguments.ValueKind is not (JsonValueKind.Array or JsonValueKind.Undefined or JsonValueKind.Null) || count != _parameters.Length)
        {
            throw new GrainCallException(
                $"{_method.DeclaringType!.Name}.{_method.Name} takes {_parameters.Length} argument(s) as a JSON array.");
        }

        var values = new object?[_parameters.Length];
        for (var index = 0; index < count; index++)
        {
            values[index] = arguments[index].Deserialize(_parameters[index].ParameterType, StateSerializer.Options);
        }

        return values;
    }

    public async Task<object?> InvokeAsync(Grain grain, object?[] arguments)
    {
        Task task;
        try
        {
            task = (Task)_method.Invoke(grain, arguments)!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }

        await task;
        return _resultProperty?.GetValue(task);
    }
}
