namespace KinesisGrains.MultiProcess;

/// <summary>Checks that may need a moment: a sink commits after the barrier that made its rows durable.</summary>
internal static class Eventually
{
    /// <summary>Runs <paramref name="check"/> until it finds no problem or a minute passed; returns its last problems.</summary>
    public static async Task<List<string>> NoProblemsAsync(Func<Task<List<string>>> check)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var problems = await check();
            if (problems.Count == 0 || DateTime.UtcNow > deadline)
            {
                return problems;
            }

            await Task.Delay(500);
        }
    }
}
