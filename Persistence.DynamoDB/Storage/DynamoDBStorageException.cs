using Amazon.Runtime;
using Orleans;
using Orleans.Runtime;

namespace KinesisGrains.Persistence.DynamoDB;

/// <summary>
/// A DynamoDB call of grain storage failed (throttled, denied, unreachable...). Carries the SDK's error code, HTTP status
/// and request id but not the SDK exception itself, which Orleans cannot serialize: a grain's caller would get a
/// CodecNotFoundException in its place.
/// </summary>
[GenerateSerializer]
public sealed class DynamoDBStorageException : OrleansException
{
    /// <summary>A failed <paramref name="operation"/> on the state <paramref name="stateName"/> of <paramref name="grainId"/>.</summary>
    public DynamoDBStorageException(string operation, string stateName, GrainId grainId, string tableName, Exception error)
        : base($"DynamoDB {operation} of state '{stateName}' of grain {grainId} in table '{tableName}' failed: {Describe(error)}")
    {
        if (error is AmazonServiceException service)
        {
            ErrorCode = service.ErrorCode;
            StatusCode = (int)service.StatusCode;
            RequestId = service.RequestId;
        }
    }

    /// <summary>The service's error code, such as <c>ProvisionedThroughputExceededException</c>; null when no answer came.</summary>
    [Id(0)]
    public string? ErrorCode { get; private set; }

    /// <summary>The HTTP status of the answer; 0 when no answer came.</summary>
    [Id(1)]
    public int StatusCode { get; private set; }

    /// <summary>The AWS request id of the failed call, for AWS support; null when no answer came.</summary>
    [Id(2)]
    public string? RequestId { get; private set; }

    private static string Describe(Exception error)
    {
        // A client-side failure (connection refused, timeout) keeps its cause in the inner exceptions.
        var messages = new List<string>();
        for (Exception? e = error; e is not null && messages.Count < 3; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        var text = string.Join(" <- ", messages.Distinct());
        return error is AmazonServiceException service
            ? $"{text} ({service.ErrorCode}, HTTP {(int)service.StatusCode}, request {service.RequestId})"
            : text;
    }
}
