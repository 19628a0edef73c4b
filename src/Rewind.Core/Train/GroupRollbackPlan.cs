using Rewind.Core.Ledger;


namespace Rewind.Core.Train;

/// <summary>What a whole-group rollback will do on one member.</summary>
public enum MemberRollbackKind
{
    /// <summary>Its newest deployment is the train head: it is rolled back.</summary>
    RollBack,

    /// <summary>It does not run the train head (passed by, or already rolled back): nothing to do.</summary>
    NotRunning,

    /// <summary><c>--members</c> does not name it: left as it is.</summary>
    LeftOut,

    /// <summary>It cannot be rolled back (frozen, shared, the head is not its newest deployment, ...): nothing runs.</summary>
    Refused,
}

/// <summary>One member in a group rollback's plan: what happens to it, the deployment it rolls back, or why not.</summary>
public sealed record MemberRollbackPlan(string Target, int Stage, MemberRollbackKind Kind, Deployment? Deployment, string? Why, string? Rule = null);

/// <summary>
/// Every member's rollback of the train head, planned before any runs: a whole-group rollback runs only when no
/// selected member is refused, so an operator never finds the group half rolled back by a rule.
/// </summary>
public sealed record GroupRollbackPlan(string Group, TrainEntry Head, IReadOnlyList<MemberRollbackPlan> Members)
{
    public IReadOnlyList<MemberRollbackPlan> Refused => Members.Where(m => m.Kind == MemberRollbackKind.Refused).ToList();

    /// <summary>The members to roll back, grouped by stage, last stage first (the reverse of the rollout).</summary>
    public IReadOnlyList<IReadOnlyList<MemberRollbackPlan>> StagesLastFirst =>
        Members.Where(m => m.Kind == MemberRollbackKind.RollBack)
            .GroupBy(m => m.Stage).OrderByDescending(g => g.Key)
            .Select(g => (IReadOnlyList<MemberRollbackPlan>)g.Reverse().ToList()).ToList();

    /// <summary>Refuses (exit 3) when any selected member cannot roll back, naming each one and why.</summary>
    public void RequireRunnable()
    {
        var refused = Refused;
        if (refused.Count == 0)
        {
            return;
        }

        var others = Members.Where(m => m.Kind == MemberRollbackKind.RollBack).Select(m => m.Target).ToList();
        throw new RefusedException("group-member-refused",
            $"group {Group}'s rollback of {Head.BundleId} (train position {Head.Position}) cannot run on every member; nothing was changed. " +
            string.Join(" ", refused.Select(m => $"{m.Target}: {m.Why?.TrimEnd('.')}.")) +
            (others.Count == 0 ? "" : $" To roll back the others, name them: --members {string.Join(",", others)}"));
    }
}
