using Xunit;

namespace KinesisGrains.MultiProcess;

/// <summary>
/// The fault run is a command of its own (<c>FAULTS=1</c> for one round, <c>FAULTS_MINUTES=N</c> for a soak), not part
/// of <c>./test.sh</c>: it needs minutes of mandatory outages (see the README, Operations).
/// </summary>
public sealed class FaultRunFactAttribute : FactAttribute
{
    public FaultRunFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("FAULTS") is not { Length: > 0 } && Environment.GetEnvironmentVariable("FAULTS_MINUTES") is not { Length: > 0 })
        {
            Skip = "the fault run is its own command: FAULTS=1 (one round) or FAULTS_MINUTES=N (a soak)";
        }
    }
}
