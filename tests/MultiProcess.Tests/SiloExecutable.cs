using KinesisGrains.Testing;

namespace KinesisGrains.MultiProcess;

/// <summary>The silo these tests run as processes: the Release build of Silo/ (test.sh's solution build makes it).</summary>
internal static class SiloExecutable
{
    public static string Path
    {
        get
        {
            var path = System.IO.Path.Combine(RepositoryPaths.Root, "Silo", "bin", "Release", "net10.0", "KinesisGrains.Silo.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"{path} is missing: build it first (dotnet build Silo -c Release, or ./test.sh).", path);
        }
    }
}
