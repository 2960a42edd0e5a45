using Xunit;

namespace KinesisGrains.Tests;

/// <summary>
/// Cluster tests that read the runtime's meter: its counters are process-wide, so these classes run one after
/// another rather than in parallel (another cluster's events would count as theirs).
/// </summary>
[CollectionDefinition(nameof(MeteredClusterCollection))]
public sealed class MeteredClusterCollection;
