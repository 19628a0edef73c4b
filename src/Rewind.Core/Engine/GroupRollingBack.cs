using Rewind.Core.Access;
using Rewind.Core.Audit;
using Rewind.Core.Locks;
using Rewind.Core.Train;
using Rewind.Core.Ledger;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

internal sealed class GroupRollingBack(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<GroupRollbackPlan> PlanGroupRollbackAsync(string group, IReadOnlyList<string>? members = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Group(group);
        var unknown = members?.FirstOrDefault(m => config.StageOf(m) == 0);
        if (unknown is not null)
        {
            throw new BadInputException($"--members names '{unknown}', which is not a member of group {config.Name} (members: {string.Join(", ", config.Members)})");
        }

        var train = await _store.GetTrainAsync(config.Name, cancellationToken);
        var head = train.Count > 0 ? train[^1] : throw new RefusedException("nothing-to-roll-back", $"group {config.Name}'s train is empty: no bundle has boarded it, so there is nothing to roll back");
        var plans = new List<MemberRollbackPlan>();
        foreach (var name in config.Members)
        {
            var stage = config.StageOf(name);
            var deployments = await _store.GetDeploymentsAsync(name, cancellationToken);
            var running = deployments.FirstOrDefault(d => d.IsApplied && d.BundleDigest == head.BundleDigest);
            if (members is not null && !members.Contains(name, StringComparer.Ordinal))
            {
                plans.Add(new MemberRollbackPlan(name, stage, MemberRollbackKind.LeftOut, running, "not named by --members"));
                continue;
            }

            if (running is null)
            {
                plans.Add(new MemberRollbackPlan(name, stage, MemberRollbackKind.NotRunning, null, $"does not run {head.BundleId}"));
                continue;
            }

            try
            {
                var target = _config.Target(name);
                RollingBack.CheckRollbackAllowed(target, await _store.GetTargetStateAsync(name, cancellationToken));
                var newest = deployments.First(d => d.IsApplied);
                if (newest.Id != running.Id)
                {
                    throw new RefusedException("not-newest", $"{head.BundleId} ({running.Id}) is not its newest deployment: {newest.Id} ({newest.BundleId}{(newest.Group is null ? ", deployed outside the train" : "")}) is on top of it, and rollback goes newest first");
                }

                NewestFirstRule.ChooseNewest(name, deployments, running.Id);
                KnownGoodRule.RequireKnownGoodLanding(name, deployments, running);
                if (!running.CanRollBackCode)
                {
                    throw new RefusedException("no-known-good-state", $"release {running.Id} cannot be rolled back: {CodeSlots.UnknownPriorWarning(running.Code)}");
                }

                plans.Add(new MemberRollbackPlan(name, stage, MemberRollbackKind.RollBack, running, null));
            }
            catch (RefusedException e)
            {
                plans.Add(new MemberRollbackPlan(name, stage, MemberRollbackKind.Refused, running, e.Message, e.Rule));
            }
        }

        return new GroupRollbackPlan(config.Name, head, plans);
    }

    public Task<GroupRollbackResult> RollbackGroupAsync(GroupRollbackRequest request, CancellationToken cancellationToken = default) =>
        AuditedAsync("rollback-group", null, request.Who, request.Reason, scope => RollbackGroupCoreAsync(request, scope, cancellationToken), cancellationToken);

    private async Task<GroupRollbackResult> RollbackGroupCoreAsync(GroupRollbackRequest request, AuditScope scope, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new BadInputException("a group rollback needs a reason: --reason \"...\" (the audit answers 'why was rollback executed?' with it); nothing was changed");
        }

        var group = _config.Group(request.Group);
        Authorize(request.Who, Permissions.RollbackGroup);

        // Under the group's lock: no rollout may board a new head while this one takes the head off.
        await using var groupLock = await LockAsync(TargetLock.GroupKey(group.Name), "rollback-group", request.Who, cancellationToken);
        var plan = await PlanGroupRollbackAsync(group.Name, request.Members, cancellationToken);
        scope.FromVersion = $"group {group.Name}: train head {plan.Head.BundleId} (position {plan.Head.Position})";
        if (request.ExpectedHead is not null && request.ExpectedHead != plan.Head.BundleDigest)
        {
            throw new RefusedException("head-moved", $"group {group.Name}'s train head is now {plan.Head.BundleId} (position {plan.Head.Position}), not the bundle that was confirmed; nothing was changed. Look again: rewind train --group {group.Name}");
        }

        plan.RequireRunnable();

        var outcomes = new List<MemberRollbackOutcome>();
        foreach (var stage in plan.StagesLastFirst)
        {
            // A group rollback whose lock was broken (rewind unlock --group) starts no further stage.
            await groupLock.EnsureHeldAsync(cancellationToken);
            var byName = stage.ToDictionary(m => m.Target, StringComparer.Ordinal);
            outcomes.AddRange(await StageRunner.RunAsync(stage.Select(m => m.Target).ToList(), group.Parallel,
                name => RollBackMemberAsync(group.Name, byName[name], request, cancellationToken), _ => false, cancellationToken));
        }

        outcomes.AddRange(plan.Members.Where(m => m.Kind is MemberRollbackKind.NotRunning or MemberRollbackKind.LeftOut)
            .Select(m => new MemberRollbackOutcome(m.Target, m.Stage, m.Kind == MemberRollbackKind.LeftOut ? "left-out" : "not-running", m.Deployment?.Id, null, m.Why)));
        _ = await _store.LeaveTrainAsync(group.Name, plan.Head.BundleDigest, groupLock.Holder, cancellationToken) ?? throw groupLock.LostLedgerWrite();
        var diverged = await DivergeStillRunningAsync(group, plan.Head, request, cancellationToken);

        var result = new GroupRollbackResult(group.Name, plan.Head.BundleId, plan.Head.BundleDigest, plan.Head.Position, plan.Head.Position - 1, outcomes, diverged);
        scope.ToVersion = $"group {group.Name}: train head at position {result.ToHead}";
        scope.Failed = !result.Succeeded;
        scope.Detail = string.Join("; ", new[]
        {
            string.Join(", ", outcomes.Select(o => $"{o.Target} {o.Outcome}")),
            diverged.Count > 0 ? $"diverged (still run {plan.Head.BundleId}): {string.Join(", ", diverged)}" : null,
        }.Where(s => s is not null));
        return result;
    }

    private async Task<MemberRollbackOutcome> RollBackMemberAsync(string group, MemberRollbackPlan member, GroupRollbackRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var rollback = await Uses.RollingBack.RollbackAsync(new RollbackRequest(member.Target, request.Who, request.Reason, member.Deployment!.Id) { WithGroup = group, Authorized = true }, null, cancellationToken);
            return new MemberRollbackOutcome(member.Target, member.Stage, rollback.Succeeded ? "rolled-back" : "frozen", member.Deployment.Id, rollback, rollback.Succeeded ? null : rollback.State.Reason);
        }
        catch (RewindException e) when (e is not LockLostException)
        {
            return new MemberRollbackOutcome(member.Target, member.Stage, "failed", member.Deployment!.Id, null, e.Message, e.ExitCode);
        }
    }

    /// <summary>
    /// Marks diverged every on-train member that still runs the bundle once it has left the train (left out by
    /// <c>--members</c>, or its rollback did not run): the train no longer says what it runs.
    /// </summary>
    private async Task<IReadOnlyList<string>> DivergeStillRunningAsync(GroupConfig group, TrainEntry head, GroupRollbackRequest request, CancellationToken cancellationToken)
    {
        var diverged = new List<string>();
        foreach (var name in group.Members)
        {
            var running = (await _store.GetDeploymentsAsync(name, cancellationToken)).FirstOrDefault(d => d.IsApplied && d.BundleDigest == head.BundleDigest);
            if (running is null)
            {
                continue;
            }

            await using var targetLock = await LockAsync(name, "rollback-group", request.Who, cancellationToken);
            if ((await _store.GetTargetStateAsync(name, cancellationToken)).State != TrainState.OnTrain)
            {
                continue;
            }

            var state = new TargetState(name, TrainState.Diverged, $"still runs {head.BundleId} ({running.Id}), which left group {group.Name}'s train by a group rollback: {request.Reason}", request.Who, _time.GetUtcNow(), running.Id);
            await targetLock.WriteFencedAsync(h => _store.SaveAsync(null, state, h, cancellationToken));
            diverged.Add(name);
        }

        return diverged;
    }
}
