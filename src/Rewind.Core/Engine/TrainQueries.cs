using Rewind.Core.Access;
using Rewind.Core.Bundles;
using Rewind.Core.Configuration;
using Rewind.Core.Train;
using Rewind.Core.Ledger;
using Rewind.Core.Outcomes;

namespace Rewind.Core.Engine;

internal sealed class TrainQueries(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<TrainMatrix> TrainAsync(string group, CancellationToken cancellationToken = default) =>
        (await MatrixAsync(_config.Group(group), cancellationToken)).Matrix;

    public async Task<GroupStatus> GroupStatusAsync(string group, CancellationToken cancellationToken = default)
    {
        var config = _config.Group(group);
        var (matrix, deployments) = await MatrixAsync(config, cancellationToken);
        var fingerprints = new Dictionary<string, string>(StringComparer.Ordinal);
        var trainRows = await TrainRowsAsync(matrix, deployments, cancellationToken);
        foreach (var row in matrix.Targets)
        {
            fingerprints[row.Target] = await ManagedFingerprintAsync(_config.Target(row.Target), trainRows, cancellationToken);
        }

        var reference = matrix.Targets.FirstOrDefault(r => r.State.State == TrainState.OnTrain && r.AtHead(matrix.Head))?.Target;
        var referenceFingerprint = reference is not null ? fingerprints[reference] : Majority(matrix.Targets.Select(r => fingerprints[r.Target]));
        var rows = matrix.Targets
            .Select(r => new TargetAlignment(r.Target, r.Stage, r.State, r.Position, fingerprints[r.Target], fingerprints[r.Target] == referenceFingerprint))
            .ToList();
        return new GroupStatus(config.Name, matrix.Head, reference, referenceFingerprint, rows);
    }

    public async Task<RealignPlan> RealignPlanAsync(string target, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var group = _config.GroupOf(config.Name)
            ?? throw new BadInputException($"target {config.Name} is in no group, so it has no train to realign with (groups are declared in {RewindConfig.FileName})");
        var (matrix, deployments) = await MatrixAsync(group, cancellationToken);
        var row = matrix.Targets.Single(r => r.Target == config.Name);
        var missed = matrix.Bundles.Where(e => e.Position > row.Position && !row.Cells[e.Position - 1].State.IsOn()).ToList();

        var steps = new List<RealignStep>();
        var earlierKeys = new HashSet<string>(StringComparer.Ordinal);
        await using var targetStore = _targets.Open(config);
        await using var session = await targetStore.BeginAsync(cancellationToken);
        foreach (var entry in missed)
        {
            using var bundle = await _artifacts.OpenAsync(entry.BundleDigest, cancellationToken);
            var current = await Fingerprint.OfBundleKeysAsync(session, bundle, cancellationToken);
            var keys = await Fingerprint.KeysAsync(bundle, cancellationToken);
            var overlaps = keys.Overlaps(earlierKeys);
            earlierKeys.UnionWith(keys);
            var recorded = RecordedPrior(entry, deployments);
            var match = recorded is null ? PriorMatch.Unknown
                : recorded == current ? PriorMatch.Matches
                : overlaps ? PriorMatch.AfterEarlierSteps
                : PriorMatch.Differs;
            steps.Add(new RealignStep(entry.Position, entry.BundleId, entry.BundleDigest, row.Cells[entry.Position - 1].State, recorded, current, match));
        }

        return new RealignPlan(config.Name, group.Name, row.State, row.Position, matrix.Head, steps);
    }

    public Task<RealignResult> RealignAsync(string target, string who, string? reason, CancellationToken cancellationToken = default) =>
        RealignAsync(target, who, reason, force: false, cancellationToken);

    public Task<RealignResult> RealignAsync(string target, string who, string? reason, bool force, CancellationToken cancellationToken = default) =>
        AuditedAsync("realign", target, who, reason, async scope =>
        {
            var plan = await RealignPlanAsync(target, cancellationToken);
            Authorize(who, Permissions.Realign);
            if (plan.State.State == TrainState.Frozen)
            {
                throw HeldRefusal(plan.State, "realignment");
            }

            scope.FromVersion = $"position {plan.Position} of {plan.Head} on group {plan.Group}'s train";
            var stage = _config.Group(plan.Group).StageOf(plan.Target);
            var applied = new List<RealignApplied>();
            RealignStep? stoppedAt = null;
            string? why = null;
            foreach (var step in plan.Steps)
            {
                // Compared now, not when the plan was read: earlier steps have landed since, and a person may have edited.
                var current = await CurrentFingerprintAsync(_config.Target(plan.Target), step.BundleDigest, cancellationToken);
                if (step.RecordedPrior is not null && current != step.RecordedPrior)
                {
                    var differs = $"{plan.Target}'s state over the keys of {step.BundleId} (train position {step.Position}) differs from the state group {plan.Group} received it on: someone changed it here";
                    if (!force)
                    {
                        var done = applied.Count == 0 ? "nothing was applied" : $"applied before it: {string.Join(", ", applied.Select(a => $"{a.Step.BundleId} ({a.Result.Deployment.Id})"))}";
                        throw new RefusedException("target-differs", $"realignment stopped before {step.BundleId}: {differs}; {done}. Look at the change (rewind diff {_artifacts.PathOf(step.BundleDigest)} --target {plan.Target}), then run rewind realign --target {plan.Target} --apply --force to apply over it (audited)");
                    }

                    await AuditedAsync("realign-forced", plan.Target, who, reason, s =>
                    {
                        s.Detail = $"forced over a differing state: {differs}";
                        return Task.FromResult(true);
                    }, cancellationToken);
                }

                var request = new DeployRequest(_artifacts.PathOf(step.BundleDigest), plan.Target, who,
                    reason ?? $"realign with group {plan.Group}: {step.BundleId} (train position {step.Position} of {plan.Head})")
                {
                    Group = plan.Group,
                    Stage = stage,
                    Realign = true,
                    Authorized = true,
                };
                DeployResult result;
                try
                {
                    result = await Uses.Deploying.DeployAsync(request, null, cancellationToken);
                }
                catch (RewindException e) when (applied.Count > 0)
                {
                    (stoppedAt, why) = (step, e.Message);
                    break;
                }

                applied.Add(new RealignApplied(step, result, result.Deployment.PriorFingerprint == step.RecordedPrior));
                if (!result.Succeeded)
                {
                    (stoppedAt, why) = (step, $"{step.BundleId} did not verify: {result.Verification.Summary}");
                    break;
                }
            }

            scope.ToVersion = applied.LastOrDefault(a => a.Result.Succeeded) is { } last ? $"{last.Step.BundleId} ({last.Result.Deployment.Id})" : scope.FromVersion;
            scope.Failed = stoppedAt is not null;
            scope.Detail = stoppedAt is null
                ? $"applied {applied.Count} missed bundle(s) of group {plan.Group}'s train; the hold stays until cleared"
                : $"stopped at {stoppedAt.BundleId} (position {stoppedAt.Position}): {why}";
            return new RealignResult(plan, applied, stoppedAt, why);
        }, cancellationToken);

    /// <summary>The target's fingerprint now over the keys of the stored bundle <paramref name="digest"/>.</summary>
    private async Task<string> CurrentFingerprintAsync(TargetConfig config, string digest, CancellationToken cancellationToken)
    {
        await using var targetStore = _targets.Open(config);
        await using var session = await targetStore.BeginAsync(cancellationToken);
        using var bundle = await _artifacts.OpenAsync(digest, cancellationToken);
        return await Fingerprint.OfBundleKeysAsync(session, bundle, cancellationToken);
    }

    /// <summary>
    /// Why a group member may not rejoin its train yet (null when it may): its fingerprint over all managed records
    /// must equal that of an on-train member at the head of the train. With no such peer, being at the head suffices.
    /// </summary>
    internal async Task<string?> WhyNotAlignedAsync(TargetConfig target, CancellationToken cancellationToken)
    {
        if (_config.GroupOf(target.Name) is not { } group)
        {
            return null;
        }

        var (matrix, deployments) = await MatrixAsync(group, cancellationToken);
        var row = matrix.Targets.Single(r => r.Target == target.Name);
        var peer = matrix.Targets.FirstOrDefault(r => r.Target != target.Name && r.State.State == TrainState.OnTrain && r.AtHead(matrix.Head));
        if (peer is null)
        {
            return row.AtHead(matrix.Head)
                ? null
                : $"{target.Name} is at position {row.Position} of {matrix.Head} on group {group.Name}'s train, and no on-train member is at the head to compare it with";
        }

        var trainRows = await TrainRowsAsync(matrix, deployments, cancellationToken);
        var mine = await ManagedFingerprintAsync(target, trainRows, cancellationToken);
        var theirs = await ManagedFingerprintAsync(_config.Target(peer.Target), trainRows, cancellationToken);
        return mine == theirs
            ? null
            : $"{target.Name}'s managed state (fingerprint {Fingerprint.Short(mine)}, position {row.Position} of {matrix.Head}) differs from {peer.Target}'s at the head of group {group.Name}'s train ({Fingerprint.Short(theirs)})";
    }

    /// <summary>The train and every member's deployments (newest first), folded into the matrix.</summary>
    internal async Task<(TrainMatrix Matrix, IReadOnlyDictionary<string, IReadOnlyList<Deployment>> Deployments)> MatrixAsync(GroupConfig group, CancellationToken cancellationToken)
    {
        var train = await _store.GetTrainAsync(group.Name, cancellationToken);
        var rows = new List<TrainRow>();
        var all = new Dictionary<string, IReadOnlyList<Deployment>>(StringComparer.Ordinal);
        foreach (var name in group.Members)
        {
            var state = await _store.GetTargetStateAsync(name, cancellationToken);
            var deployments = await _store.GetDeploymentsAsync(name, cancellationToken);
            all[name] = deployments;
            var cells = train.Select(entry => Cell(entry, deployments)).ToList();
            var position = cells.TakeWhile(c => c.State.IsOn()).Count();
            rows.Add(new TrainRow(name, group.StageOf(name), state, position, cells));
        }

        return (new TrainMatrix(group.Name, train, rows), all);
    }

    /// <summary>
    /// A bundle on a target is what its newest deployment of that bundle (by digest) says, unless an older one is
    /// still on it: a later skip (or failure) changed nothing there. So a member left out of a group rollback, which
    /// still runs the bundle when it boards again, is not shown as having missed it, nor offered it by realign.
    /// </summary>
    private static TrainCell Cell(TrainEntry entry, IReadOnlyList<Deployment> deployments)
    {
        var mine = deployments.Where(d => d.BundleDigest == entry.BundleDigest).ToList();
        var decisive = mine.FirstOrDefault(d => StateOf(d).IsOn()) ?? mine.FirstOrDefault();
        var state = decisive is null ? TrainCellState.NotYet : StateOf(decisive);
        return new TrainCell(entry.Position, entry.BundleId, state, decisive?.Id, decisive?.PriorFingerprint);
    }

    private static TrainCellState StateOf(Deployment deployment) => deployment.Status switch
    {
        DeploymentStatus.Verified => TrainCellState.Verified,
        DeploymentStatus.Applied or DeploymentStatus.Applying or DeploymentStatus.RollingBack => TrainCellState.Applied,
        DeploymentStatus.RolledBack => TrainCellState.RolledBack,
        DeploymentStatus.Skipped => TrainCellState.Skipped,
        _ => TrainCellState.Failed,
    };

    /// <summary>The prior fingerprint the group's members recorded for a bundle (the most common, realignments aside).</summary>
    private static string? RecordedPrior(TrainEntry entry, IReadOnlyDictionary<string, IReadOnlyList<Deployment>> deployments)
    {
        var recorded = deployments.Values.SelectMany(d => d)
            .Where(d => d.BundleDigest == entry.BundleDigest && d.PriorFingerprint is not null)
            .ToList();
        var first = recorded.Where(d => !d.Realign).ToList();
        return Majority((first.Count > 0 ? first : recorded).Select(d => d.PriorFingerprint!));
    }

    /// <summary>The most common value; ties go to the one seen first.</summary>
    internal static string? Majority(IEnumerable<string> values) =>
        values.Select((v, i) => (v, i)).GroupBy(x => x.v, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Min(x => x.i))
            .FirstOrDefault()?.Key;

    /// <summary>The fingerprint over the keys a bundle touches, for members of a group (null for other targets).</summary>
    internal async Task<string?> PriorFingerprintAsync(TargetConfig target, Bundle bundle, CancellationToken cancellationToken)
    {
        if (_config.GroupOf(target.Name) is null)
        {
            // Only a train needs alignment; a lone target's deploy pays nothing for it.
            return null;
        }

        await using var targetStore = _targets.Open(target);
        await using var session = await targetStore.BeginAsync(cancellationToken);
        return await Fingerprint.OfBundleKeysAsync(session, bundle, cancellationToken);
    }

    private async Task<string> ManagedFingerprintAsync(TargetConfig target, TrainRows trainRows, CancellationToken cancellationToken)
    {
        await using var targetStore = _targets.Open(target);
        await using var session = await targetStore.BeginAsync(cancellationToken);
        return await Fingerprint.OfManagedStateAsync(session, target.BusinessTables.Select(b => b.Name), trainRows, target.PlatformTables, cancellationToken);
    }

    /// <summary>
    /// The platform-table rows the bundles of a group's train write, and those of group bundles a member still runs
    /// although they left the train (a member left out of a group rollback): alignment must see that member's
    /// extra rows, or it would call it aligned with peers that rolled them back. Read from the stored bundles.
    /// </summary>
    private async Task<TrainRows> TrainRowsAsync(TrainMatrix matrix, IReadOnlyDictionary<string, IReadOnlyList<Deployment>> deployments, CancellationToken cancellationToken)
    {
        var rows = new TrainRows();
        var leftTrain = deployments.Values.SelectMany(d => d)
            .Where(d => d.IsApplied && d.Group == matrix.Group && matrix.Bundles.All(b => b.BundleDigest != d.BundleDigest))
            .Select(d => d.BundleDigest);
        foreach (var digest in matrix.Bundles.Select(b => b.BundleDigest).Concat(leftTrain).Distinct(StringComparer.Ordinal))
        {
            using var bundle = await _artifacts.OpenAsync(digest, cancellationToken);
            await rows.AddAsync(bundle, cancellationToken);
        }

        return rows;
    }
}
