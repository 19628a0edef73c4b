using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Core.Authoring;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.ControlPlane;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;
using Rewind.Core.Planning;
using Rewind.Core.Targets;
using Rewind.Core.Train;

namespace Rewind.Core.Engine;

/// <summary>
/// The engine: deploy with inverse capture, rollback newest-first, the train hold, and the queries the shells
/// render. A library first; the CLI and the server are thin shells over it. This type is a façade: each
/// operation is a use case of its own (<see cref="EngineUseCases"/>), and docs/architecture.md draws them.
/// </summary>
public sealed class RewindEngine
{
    /// <summary>The identity Rewind acts under when it rolls back on its own.</summary>
    public const string AutomaticActor = "rewind (automatic)";

    private readonly EngineParts _parts;
    private readonly EngineUseCases _uses;

    /// <summary>
    /// The engine over its stores; <paramref name="logging"/> is where it logs steps and faults (default: nowhere);
    /// <paramref name="authorizer"/> says who holds which role (default: <c>roles:</c> of rewind.yaml).
    /// </summary>
    public RewindEngine(RewindConfig config, IControlPlaneStore store, IAuditLog audit, ITargetStoreFactory targets, ArtifactStore artifacts, TimeProvider time, ILoggerFactory? logging = null, IAuthorizer? authorizer = null)
    {
        _parts = new EngineParts(
            config,
            new SecretMaskingStore(store),
            audit as AnchoredAuditLog ?? new AnchoredAuditLog(audit, config, targets),
            targets,
            artifacts,
            time,
            logging ?? NullLoggerFactory.Instance,
            authorizer ?? new ConfiguredRoles(config));
        _uses = new EngineUseCases(_parts);
    }

    public RewindConfig Config => _parts.Config;

    public ArtifactStore Artifacts => _parts.Artifacts;

    public IAuditLog AuditLog => _parts.Audit;

    /// <summary>The ledger this engine writes (a rehearsal numbers its deployments past the target's quarantines).</summary>
    internal IControlPlaneStore Ledger => _parts.Store;

    /// <summary>
    /// Refuses (<c>not-authorized</c>, audited) unless <paramref name="who"/> may do what <paramref name="permission"/>
    /// takes: a shell asks this before it shows a question, and the operation asks again when it runs.
    /// </summary>
    public Task RequireAsync(string who, Permission permission, string? target = null, string? reason = null, CancellationToken cancellationToken = default) =>
        _uses.Authorizing.RequireAsync(who, permission, target, reason, cancellationToken);

    /// <summary>Opens and validates a bundle within the configured limits, including that its layers are ones this configuration knows.</summary>
    public Task<Bundle> OpenBundleAsync(string path, CancellationToken cancellationToken = default) =>
        _uses.Making.OpenBundleAsync(path, cancellationToken);

    /// <summary>
    /// Records that the target's over-budget rollbacks were investigated (<c>rewind ack</c>): an operator, a reason,
    /// and an audit entry naming them. Until then <c>status</c> and the dashboard show the target as needing
    /// investigation (seed 001 §7: a rollback past its budget is a failure condition, even though it completed).
    /// </summary>
    public Task<IReadOnlyList<Deployment>> AckAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        _uses.Acknowledging.AckAsync(target, who, reason, cancellationToken);

    /// <summary>The code slots whose prior version is unknown, which a deploy refuses without --accept-irreversible; read without changing anything (for diff and plan).</summary>
    public Task<IReadOnlyList<string>> IrreversibleSlotsAsync(string bundlePath, string target, CancellationToken cancellationToken = default) =>
        _uses.CodeSlots.IrreversibleSlotsAsync(bundlePath, target, cancellationToken);

    /// <summary>
    /// Audits a change of <c>rewind.yaml</c> (seed 001 §13): called as an operation starts, it compares the file's
    /// digest with the one the last operation ran under, and on a change appends one <c>config-changed</c> entry
    /// (old and new digests, the sections that changed). Of several processes noticing one change, one records it.
    /// The first configuration a store sees is only remembered, as the baseline. Returns true when it appended.
    /// </summary>
    public Task<bool> RecordConfigChangeAsync(string who, CancellationToken cancellationToken = default) =>
        _uses.ConfigChanges.RecordConfigChangeAsync(who, cancellationToken);

    /// <summary>When <paramref name="target"/> accepts deploys, in words (for <c>plan</c> and the dashboard); null when any time.</summary>
    public string? WindowOf(string target) =>
        _uses.DeployWindows.WindowOf(target);

    /// <summary>
    /// Deploys a bundle to one target: lock, check the hold, run the before-hooks, store the bundle and its code
    /// artifacts, then in one target transaction capture the inverse while applying, publish the inverse durably
    /// and write the deployment marker (the transaction commits only after the inverse is on disk); then switch
    /// the code slots, run the after-hooks and the checks: pass → verified; fail → rolled back automatically;
    /// inconclusive → left applied for an operator to decide. Every step is journaled.
    /// </summary>
    public Task<DeployResult> DeployAsync(DeployRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _uses.Deploying.DeployAsync(request, progress, cancellationToken);

    /// <summary>
    /// What <paramref name="bundlePath"/> would change on <paramref name="target"/>: records added, changed,
    /// unchanged and deleted, data copies with row counts, tables created or altered. Nothing is written.
    /// </summary>
    public Task<BundleDiff> DiffAsync(string bundlePath, string target, int listLimit = 200, CancellationToken cancellationToken = default) =>
        _uses.Diffing.DiffAsync(bundlePath, target, listLimit, cancellationToken);

    /// <summary>
    /// <c>rewind gc</c>: removes stored bundles no deployment can need any more — the bundle and inverse of a deployment
    /// that was rolled back (or failed, or was skipped) and superseded by a later one on its target, a bundle nothing
    /// refers to, and, with <c>retention:</c>, a train bundle older than that once every member of its group is past
    /// it. Never the bundle or inverse of an applied deployment (any one of them can still be rolled back, newest
    /// first), saved live edits (invariant 11), a train bundle a member may still realign with, or code artifacts.
    /// Every target's and group's lock is held while it decides and deletes, so no deploy is storing a bundle meanwhile.
    /// </summary>
    public Task<GcReport> CollectGarbageAsync(string who, bool dryRun, CancellationToken cancellationToken = default) =>
        _uses.GarbageCollection.CollectGarbageAsync(who, dryRun, cancellationToken);

    /// <summary>
    /// Plans the rollback of a group's train head on every member (or those <paramref name="members"/> names),
    /// changing nothing: which members roll back which deployment, which do not run the head, and which cannot
    /// roll back and why (frozen, shared, the head is not its newest deployment, it would land on an unverified one).
    /// </summary>
    public Task<GroupRollbackPlan> PlanGroupRollbackAsync(string group, IReadOnlyList<string>? members = null, CancellationToken cancellationToken = default) =>
        _uses.GroupRollingBack.PlanGroupRollbackAsync(group, members, cancellationToken);

    /// <summary>
    /// <c>rewind rollback --group G</c>: rolls the train head back on every member, last stage first (the targets of
    /// a stage <c>parallel</c> at a time), each its own rollback with its own hooks and checks. Every member's
    /// rollback is planned first, and nothing runs if one cannot. Members stay on the train: the group moves back
    /// together, and the bundle leaves the train head. A member whose rollback fails is frozen as always; the others
    /// still roll back (the bundle is bad everywhere). Members left running it are marked diverged.
    /// </summary>
    public Task<GroupRollbackResult> RollbackGroupAsync(GroupRollbackRequest request, CancellationToken cancellationToken = default) =>
        _uses.GroupRollingBack.RollbackGroupAsync(request, cancellationToken);

    /// <summary>
    /// Deploys a bundle to a group, stage by stage. Each target's deploy is a normal deployment (its own lock,
    /// inverse, verification and audit entry). Between stages stands a gate: every deployment of the stage verified,
    /// then the soak elapsed (waited on the engine's clock) and the stage's checks passed again. A failure rolls back
    /// the stage's targets this rollout deployed and stops: later stages never see the bundle. An inconclusive check
    /// stops the rollout at that target and leaves the decision to an operator. Off-train and frozen targets, and
    /// targets behind the train (they missed an earlier bundle), are skipped, recorded and listed. The bundle
    /// boards the group's train when it passes the gate of a stage it was deployed in.
    /// </summary>
    public Task<GroupDeployResult> DeployGroupAsync(GroupDeployRequest request, CancellationToken cancellationToken = default) =>
        _uses.GroupRollout.DeployGroupAsync(request, cancellationToken);

    /// <summary>Authors the bundle that brings one target's managed state to another's (see <see cref="BundleMaker"/>); neither target is written.</summary>
    public Task<MadeBundle> MakeBundleAsync(MakeRequest request, CancellationToken cancellationToken = default) =>
        _uses.Making.MakeBundleAsync(request, cancellationToken);

    /// <summary>Every table rollbacks (or deletes of definitions) moved aside, on every target.</summary>
    public Task<IReadOnlyList<QuarantineEntry>> QuarantineListAsync(CancellationToken cancellationToken = default) =>
        _uses.QuarantineAdministration.QuarantineListAsync(cancellationToken);

    /// <summary>Drops quarantined tables older than <paramref name="olderThan"/> (train-admin; audited per target).</summary>
    public Task<IReadOnlyList<QuarantineEntry>> QuarantinePurgeAsync(TimeSpan olderThan, string who, CancellationToken cancellationToken = default) =>
        _uses.QuarantineAdministration.QuarantinePurgeAsync(olderThan, who, cancellationToken);

    /// <summary>Finishes whatever a crash interrupted on a target: <c>rewind recover</c>.</summary>
    public Task<IReadOnlyList<Deployment>> RecoverTargetAsync(string target, string who, CancellationToken cancellationToken = default) =>
        _uses.Recovering.RecoverTargetAsync(target, who, cancellationToken);

    /// <summary>
    /// The rollback tested before it is needed: on a throwaway copy of what the bundle touches on the target (see
    /// <see cref="RehearsalScope"/>), deploy the bundle, roll it back, compare the copy with how it was row by row,
    /// deploy again. The real target is never touched and the application's writes to it never wait;
    /// code slots, hooks and checks are not rehearsed (they act on real infrastructure). <paramref name="createEngine"/>
    /// builds the rehearsal's own engine (its own ledger and artifact store in a temporary folder).
    /// </summary>
    public Task<RehearsalReport> RehearseAsync(string bundlePath, string target, Func<RewindConfig, CancellationToken, Task<RewindEngine>> createEngine, CancellationToken cancellationToken = default) =>
        _uses.Rehearsal.RehearseAsync(bundlePath, target, createEngine, cancellationToken);

    /// <summary>
    /// The rollback <see cref="RollbackAsync"/> would run now, read and not run: refused exactly when it would be.
    /// The changes are the stored inverse compared with the target; live edits are the forward bundle compared with
    /// the target (anything that no longer holds what the deployment wrote).
    /// </summary>
    public Task<RollbackDryRun> DryRunRollbackAsync(string target, string? expectedDeployment = null, CancellationToken cancellationToken = default) =>
        _uses.RollbackDryRuns.DryRunRollbackAsync(target, expectedDeployment, cancellationToken);

    /// <summary>The rollback plan for <paramref name="bundlePath"/> on <paramref name="target"/>, read without changing anything.</summary>
    public Task<RollbackPlan> PlanAsync(string bundlePath, string target, CancellationToken cancellationToken = default) =>
        _uses.RollbackPlanning.PlanAsync(bundlePath, target, cancellationToken);

    /// <summary>
    /// What a rollback of <paramref name="target"/> would undo, without doing it: the question an operator
    /// answers yes or no to. Throws <see cref="RefusedException"/> when the rollback would be refused.
    /// </summary>
    public Task<Deployment> PreviewRollbackAsync(string target, string? expectedDeployment = null, CancellationToken cancellationToken = default) =>
        _uses.RollingBack.PreviewRollbackAsync(target, expectedDeployment, cancellationToken);

    /// <summary>
    /// Rolls back the newest applied deployment of a target: the fast path, no soak and no gates; its own
    /// hooks and the post-rollback checks always run. Anything but a verified rollback freezes the target.
    /// </summary>
    public Task<RollbackResult> RollbackAsync(RollbackRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _uses.RollingBack.RollbackAsync(request, progress, cancellationToken);

    /// <summary>Records the human decision that ends a frozen incident; the target stays off the train until cleared.</summary>
    public Task<TargetState> UnfreezeAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        _uses.RollingBack.UnfreezeAsync(target, who, reason, cancellationToken);

    /// <summary>
    /// <c>rewind rollback --to ID</c>: every deployment newer than <paramref name="to"/> rolled back, newest first, each
    /// its own rollback with its own hooks, checks and audit entry, stopping at the first that does not succeed.
    /// <paramref name="to"/> must be applied and verified; the deployments peeled on the way may land on unverified
    /// ones, since the last one lands on it.
    /// </summary>
    public Task<IReadOnlyList<RollbackResult>> RollbackToAsync(string target, string to, string who, string? reason, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        _uses.RollingBackTo.RollbackToAsync(target, to, who, reason, progress, cancellationToken);

    /// <summary>The deployments <c>rollback --to</c> would peel, newest first (refused as it would be).</summary>
    public Task<IReadOnlyList<Deployment>> PreviewRollbackToAsync(string target, string to, CancellationToken cancellationToken = default) =>
        _uses.RollingBackTo.PreviewRollbackToAsync(target, to, cancellationToken);

    /// <summary>Lifts an off-train hold. Only a person with the <c>train-admin</c> role may, and a reason is required.</summary>
    public Task<TargetState> ClearAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.ClearAsync(target, who, reason, cancellationToken);

    /// <summary>
    /// Lifts an off-train hold: a <c>train-admin</c> only, with a reason, and for a member of a group only when its
    /// fingerprint over all managed records equals the group head's. <paramref name="force"/> lifts it anyway and
    /// records that it was forced.
    /// </summary>
    public Task<TargetState> ClearAsync(string target, string who, string reason, bool force, CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.ClearAsync(target, who, reason, force, cancellationToken);

    public Task<IReadOnlyList<TargetStatus>> StatusAsync(string? target = null, CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.StatusAsync(target, cancellationToken);

    /// <summary>Every configured target's train state (what the <c>rewind_targets</c> gauge counts).</summary>
    public Task<IReadOnlyList<TargetState>> TargetStatesAsync(CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.TargetStatesAsync(cancellationToken);

    /// <summary>The most recent rollbacks that finished, on every target, oldest first (the dashboard charts them against the budget).</summary>
    public Task<IReadOnlyList<Deployment>> RollbacksAsync(int limit, CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.RollbacksAsync(limit, cancellationToken);

    public Task<IReadOnlyList<Deployment>> HistoryAsync(string target, CancellationToken cancellationToken = default) =>
        _uses.TargetQueries.HistoryAsync(target, cancellationToken);

    /// <summary>
    /// The matrix of a group's targets × the bundles of its train, each cell's state and each target's position:
    /// what <c>rewind train</c> shows and what a dashboard GETs.
    /// </summary>
    public Task<TrainMatrix> TrainAsync(string group, CancellationToken cancellationToken = default) =>
        _uses.TrainQueries.TrainAsync(group, cancellationToken);

    /// <summary>
    /// Which members of a group are aligned: each one's fingerprint over all its managed records, compared with the
    /// reference — the first on-train member (in stage order) at the head of the train, else the most common one.
    /// </summary>
    public Task<GroupStatus> GroupStatusAsync(string group, CancellationToken cancellationToken = default) =>
        _uses.TrainQueries.GroupStatusAsync(group, cancellationToken);

    /// <summary>
    /// The way back for one target: the bundles of its group's train it does not run, in train order from its
    /// position to the head, each compared with the prior state recorded when the group received it.
    /// </summary>
    public Task<RealignPlan> RealignPlanAsync(string target, CancellationToken cancellationToken = default) =>
        _uses.TrainQueries.RealignPlanAsync(target, cancellationToken);

    /// <summary>
    /// <c>rewind realign --apply</c>: runs the plan's steps in train order, each a normal deployment with its own
    /// inverse and verification, stopping at the first that fails. Allowed while the target is off-train (it is
    /// how it gets back); the hold stays until a train-admin clears it. Nothing lands on a frozen target. Before
    /// each step the target's state over the step's keys is compared again with the state the group received it
    /// on: where it differs (someone edited it), it stops (<c>target-differs</c>, exit 3) and leaves the edit in
    /// place, unless forced (<c>--force</c>), and each forced step is audited.
    /// </summary>
    public Task<RealignResult> RealignAsync(string target, string who, string? reason, CancellationToken cancellationToken = default) =>
        _uses.TrainQueries.RealignAsync(target, who, reason, cancellationToken);

    /// <inheritdoc cref="RealignAsync(string, string, string?, CancellationToken)"/>
    public Task<RealignResult> RealignAsync(string target, string who, string? reason, bool force, CancellationToken cancellationToken = default) =>
        _uses.TrainQueries.RealignAsync(target, who, reason, force, cancellationToken);

    /// <summary>
    /// Breaks the lock of a live but hung operation on a target (<c>rewind unlock</c>): the admin role, a reason,
    /// and an audit entry naming the holder. A dead holder's lock needs no unlocking (the next operation takes it
    /// over). The holder finds out at its next heartbeat and kills the hooks and checks it runs; a process hung
    /// anywhere else is not stopped by it, so the holder's host and process are named for that.
    /// </summary>
    public Task<LockHolder> UnlockAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        _uses.Unlocking.UnlockAsync(target, who, reason, cancellationToken);

    /// <summary>Breaks the lock of a hung group rollout (<c>rewind unlock --group</c>); the same rules as for a target.</summary>
    public Task<LockHolder> UnlockGroupAsync(string group, string who, string reason, CancellationToken cancellationToken = default) =>
        _uses.Unlocking.UnlockGroupAsync(group, who, reason, cancellationToken);
}
