using System.Collections.Concurrent;
using System.Reflection;

namespace KinesisGrains.Client;

/// <summary>The typed reference a client gets for a grain: each interface method becomes one call to the silo.</summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<GrainProxy, object?[], object>> s_invokers = new();
    private static readonly MethodInfo s_invokeTyped =
        typeof(GrainProxy).GetMethod(nameof(InvokeTypedAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private GrainClient _client = null!;
    private Type _interface = null!;

    /// <summary>The key of the grain this proxy refers to.</summary>
    public string GrainKey { get; private set; } = null!;

    internal static TGrainInterface Create<TGrainInterface>(GrainClient client, string key)
    {
        var proxy = Create<TGrainInterface, GrainProxy>();
        var state = (GrainProxy)(object)proxy!;
        state._client = client;
        state._interface = typeof(TGrainInterface);
        state.GrainKey = key;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var invoker = s_invokers.GetOrAdd(targetMethod, BuildInvoker);
        return invoker(this, args ?? []);
    }

    private static Func<GrainProxy, object?[], object> BuildInvoker(MethodInfo method)
    {
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return (proxy, args) => proxy._client.InvokeAsync<object>(proxy._interface, proxy.GrainKey, method.Name, args);
        }

        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var typed = s_invokeTyped.MakeGenericMethod(returnType.GetGenericArguments()[0]);
            return (proxy, args) => typed.Invoke(proxy, [method.Name, args])!;
        }

        throw new NotSupportedException($"Grain method {method.DeclaringType}.{method.Name} must return Task or Task<T>.");
    }

    private Task<T> InvokeTypedAsync<T>(string method, object?[] args) => _client.InvokeAsync<T>(_interface, GrainKey, method, args);
}
