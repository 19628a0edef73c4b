namespace Rewind.Core.Engine;

/// <summary>
/// The engine's use cases, made once per engine and on first use; each reaches the others through this, so a
/// use case names the step it borrows (<c>Uses.RollingBack</c>) instead of inheriting it.
/// </summary>
internal sealed class EngineUseCases(EngineParts parts)
{
    public Acknowledging Acknowledging => field ??= new(parts, this);

    public Authorizing Authorizing => field ??= new(parts, this);

    public BusinessTables BusinessTables => field ??= new(parts, this);

    public CodeSlots CodeSlots => field ??= new(parts, this);

    public ConfigChanges ConfigChanges => field ??= new(parts, this);

    public DeployWindows DeployWindows => field ??= new(parts, this);

    public Deploying Deploying => field ??= new(parts, this);

    public Diffing Diffing => field ??= new(parts, this);

    public GarbageCollection GarbageCollection => field ??= new(parts, this);

    public GroupRollingBack GroupRollingBack => field ??= new(parts, this);

    public GroupRollout GroupRollout => field ??= new(parts, this);

    public Making Making => field ??= new(parts, this);

    public QuarantineAdministration QuarantineAdministration => field ??= new(parts, this);

    public Recovering Recovering => field ??= new(parts, this);

    public Rehearsal Rehearsal => field ??= new(parts, this);

    public RollbackDryRuns RollbackDryRuns => field ??= new(parts, this);

    public RollbackPlanning RollbackPlanning => field ??= new(parts, this);

    public RollingBack RollingBack => field ??= new(parts, this);

    public RollingBackTo RollingBackTo => field ??= new(parts, this);

    public TargetQueries TargetQueries => field ??= new(parts, this);

    public TrainQueries TrainQueries => field ??= new(parts, this);

    public Unlocking Unlocking => field ??= new(parts, this);
}
