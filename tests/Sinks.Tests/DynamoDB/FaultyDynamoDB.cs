using System.Reflection;
using System.Runtime.ExceptionServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace KinesisGrains.Tests.DynamoDBSinks;

/// <summary>
/// An <see cref="IAmazonDynamoDB"/> around a real client (dynalite), which forwards every call but BatchWriteItem as
/// it is, and fails some BatchWriteItem calls as DynamoDB does when a table is throttled: by writing only part of a
/// call and answering the rest as UnprocessedItems, or by refusing the whole call.
/// </summary>
public class FaultyDynamoDB : DispatchProxy
{
    private readonly Lock _lock = new();
    private IAmazonDynamoDB _inner = null!;
    private int _partialCalls;
    private int _throttledCalls;

    /// <summary>Requests per BatchWriteItem call as sent by the sink, retries included.</summary>
    public List<int> BatchWrites { get; } = [];

    public static (IAmazonDynamoDB Client, FaultyDynamoDB Faults) Wrap(IAmazonDynamoDB inner)
    {
        var client = Create<IAmazonDynamoDB, FaultyDynamoDB>();
        var faults = (FaultyDynamoDB)(object)client;
        faults._inner = inner;
        return (client, faults);
    }

    /// <summary>The next <paramref name="calls"/> BatchWriteItem calls write their first half only; the rest comes back unprocessed.</summary>
    public void LeaveHalfUnprocessed(int calls)
    {
        lock (_lock)
        {
            _partialCalls = calls;
        }
    }

    /// <summary>The next <paramref name="calls"/> BatchWriteItem calls are refused with ProvisionedThroughputExceededException.</summary>
    public void Throttle(int calls)
    {
        lock (_lock)
        {
            _throttledCalls = calls;
        }
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(IAmazonDynamoDB.BatchWriteItemAsync) && args is [BatchWriteItemRequest request, CancellationToken token])
        {
            return BatchWriteAsync(request, token);
        }

        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(exception.InnerException);
            throw;
        }
    }

    private async Task<BatchWriteItemResponse> BatchWriteAsync(BatchWriteItemRequest request, CancellationToken cancellationToken)
    {
        var (table, writes) = request.RequestItems.Single();
        bool partial, throttled;
        lock (_lock)
        {
            BatchWrites.Add(writes.Count);
            throttled = _throttledCalls-- > 0;
            partial = !throttled && _partialCalls-- > 0;
        }

        if (throttled)
        {
            throw new ProvisionedThroughputExceededException("The level of configured provisioned throughput for the table was exceeded (injected).");
        }

        if (!partial)
        {
            return await _inner.BatchWriteItemAsync(request, cancellationToken);
        }

        var written = writes.Take(writes.Count / 2).ToList();
        var left = writes.Skip(written.Count).ToList();
        if (written.Count > 0)
        {
            var response = await _inner.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = written } }, cancellationToken);
            if (response.UnprocessedItems is { Count: > 0 })
            {
                throw new InvalidOperationException("dynalite left items unprocessed by itself.");
            }
        }

        return new BatchWriteItemResponse { UnprocessedItems = new() { [table] = left } };
    }
}
