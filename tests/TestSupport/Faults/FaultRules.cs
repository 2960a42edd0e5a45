namespace KinesisGrains.Testing.Faults;

/// <summary>
/// The proxy's fault rules, in the order they were added. Not thread-safe: <see cref="FaultInjectingProxy"/> calls it
/// under its lock, so that a rule's count and the request counts move together.
/// </summary>
/// <remarks>
/// Per request, every schedule rule ("every Nth") that matches the operation counts it first, so a schedule counts
/// all requests of its operation whether or not another rule fired. Then the first counted rule ("next N") with
/// uses left wins; only when none does may a schedule that reached its Nth request fire.
/// </remarks>
internal sealed class FaultRules
{
    private readonly List<Rule> _rules = [];

    public void AddCounted(string operation, Fault fault, int times) => _rules.Add(new Rule(operation, fault) { Remaining = times });

    public void AddEvery(string operation, int every, Fault fault) => _rules.Add(new Rule(operation, fault) { Every = every });

    public void Clear() => _rules.Clear();

    /// <summary>The fault for the next request of <paramref name="operation"/>, or <c>null</c> to forward it untouched.</summary>
    public Fault? Next(string operation)
    {
        Rule? due = null;
        foreach (var rule in _rules)
        {
            if (rule.IsSchedule && rule.Matches(operation) && ++rule.Seen % rule.Every == 0)
            {
                due ??= rule;
            }
        }

        for (var i = 0; i < _rules.Count; i++)
        {
            var rule = _rules[i];
            if (!rule.IsSchedule && rule.Matches(operation))
            {
                // Used-up rules go, so later rules for the same operation come next.
                if (--rule.Remaining == 0)
                {
                    _rules.RemoveAt(i);
                }

                return rule.Fault;
            }
        }

        return due?.Fault;
    }

    private sealed class Rule(string operation, Fault fault)
    {
        public Fault Fault { get; } = fault;

        /// <summary>Uses left of a counted rule.</summary>
        public int Remaining { get; set; }

        /// <summary>N of a schedule rule; 0 for a counted rule.</summary>
        public int Every { get; init; }

        /// <summary>Requests of the operation a schedule rule has seen since it was added.</summary>
        public long Seen { get; set; }

        public bool IsSchedule => Every > 0;

        public bool Matches(string requestOperation) => operation == FaultInjectingProxy.AnyOperation || operation == requestOperation;
    }
}
