using PuppeteerSharp;

namespace KinesisGrains.Tests.Dashboard;

/// <summary>
/// Debian's chromium (installed by setup.sh), driven headless over the DevTools protocol by PuppeteerSharp; nothing
/// is downloaded. <c>CHROMIUM_PATH</c> names another executable.
/// </summary>
public static class HeadlessChromium
{
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"No chromium at {ExecutablePath}: run ./setup.sh (it installs Debian's chromium) or set CHROMIUM_PATH.");
        }

        return await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,

            // Root in CI has no user namespace for the sandbox; /dev/shm is small in containers.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars"],
            DefaultViewport = new ViewPortOptions { Width = 1440, Height = 1100 },
            Timeout = 60_000,
        });
    }

    /// <summary>Where the tests leave screenshots: <c>artifacts/</c> beside the test assembly.</summary>
    public static string ArtifactPath(string fileName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, fileName);
    }
}
