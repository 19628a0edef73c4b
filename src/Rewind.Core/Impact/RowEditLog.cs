using Rewind.Core.Bundles;

namespace Rewind.Core.Impact;

/// <summary>What a rollback's row changes did besides restoring: the outcomes to report and the rows it saved.</summary>
public sealed class RowEditLog(BundleWriter saved)
{
    private readonly List<RowOutcome> _outcomes = [];

    public BundleWriter Saved => saved;

    public bool SavedAny { get; set; }

    public IReadOnlyList<RowOutcome> Outcomes => _outcomes;

    public void Add(RowOutcome outcome) => _outcomes.Add(outcome);
}
