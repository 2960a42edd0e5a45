using System.Text.Json;
using KinesisGrains.Runtime.Grains;
using KinesisGrains.Runtime.Partitions;
using KinesisGrains.Runtime.Serialization;

namespace KinesisGrains.Silo.Endpoints;

/// <summary>
/// <c>POST /grains/{interface}/{key}/{method}</c> with a JSON array of arguments: the wire form of a grain call from
/// the client SDK.
/// </summary>
public static class GrainCallEndpoints
{
    public static IEndpointRouteBuilder MapGrainCalls(this IEndpointRouteBuilder endpoints, GrainRuntime runtime)
    {
        endpoints.MapPost("/grains/{grainInterface}/{key}/{method}", async (string grainInterface, string key, string method, HttpRequest request) =>
        {
            JsonElement arguments;
            try
            {
                arguments = request.ContentLength is 0 ? default : (await JsonDocument.ParseAsync(request.Body)).RootElement;
            }
            catch (JsonException exception)
            {
                return Results.Json(new { error = $"The body is not JSON: {exception.Message}" }, statusCode: 400);
            }

            try
            {
                var result = await runtime.InvokeAsync(grainInterface, key, method, arguments);
                return result is null ? Results.NoContent() : Results.Json(result, StateSerializer.Options);
            }
            catch (GrainCallException exception)
            {
                return Results.Json(new { error = exception.Message }, statusCode: 400);
            }
            catch (Exception exception)
            {
                return Results.Json(new { error = $"{exception.GetType().Name}: {exception.Message}" }, statusCode: 500);
            }
        });
        return endpoints;
    }
}
