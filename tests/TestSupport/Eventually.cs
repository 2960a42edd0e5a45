namespace KinesisGrains.Testing;

/// <summary>Checks that may need a moment: a sink commits after the barrier that made its rows durable.</summary>
public static class Eventually
{
    /// <summary>Runs <paramref name="check"/> until it finds no problem or <paramref name="timeout"/> passed; returns its last problems.</summary>
    public static async Task<List<string>> NoProblemsAsync(Func<Task<List<string>>> check, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var problems = await check();
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                return problems;
            }

            await Task.Delay(250);
        }
    }
}
