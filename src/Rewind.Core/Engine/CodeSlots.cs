using Rewind.Core.Bundles;
using Rewind.Core.Code;
using Rewind.Core.Configuration;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

internal sealed class CodeSlots(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    /// <summary>
    /// Before a release changes anything: each slot's current version (the prior version to return to) and the
    /// artifact to switch to, stored content-addressed. A slot whose version is unknown (first release, no
    /// <c>baseline:</c>) is recorded as unknown, which makes the release impossible to roll back.
    /// </summary>
    internal async Task<IReadOnlyList<SlotChange>> PlanCodeAsync(TargetConfig target, Bundle bundle, IReadOnlyList<Deployment> history, CancellationToken cancellationToken)
    {
        var changes = new List<SlotChange>();
        foreach (var (slot, artifact) in bundle.Manifest.Code.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var config = target.Code.TryGetValue(slot, out var found)
                ? found
                : throw new BadInputException($"release {bundle.Manifest.Id} names code slot '{slot}', which target {target.Name} does not have (its slots: {(target.Code.Count == 0 ? "none" : string.Join(", ", target.Code.Keys))})");
            var current = await CodeDeployers.For(config, _config.BaseDirectory).CurrentVersionAsync(cancellationToken) ?? config.Baseline;
            var previous = history.SelectMany(d => d.Code).FirstOrDefault(c => c.Slot == slot && c.ToVersion == current);
            var isFile = bundle.Paths.Contains(artifact.Artifact, StringComparer.Ordinal);
            var to = isFile ? _artifacts.BlobPath(artifact.Sha256) : artifact.Artifact;
            changes.Add(new SlotChange(slot, current, previous?.ToSha256, previous?.ToArtifact, artifact.Version, artifact.Sha256, to));
        }

        // An artifact the directory deployer will unpack is held to the bundle limits now, before anything changes.
        foreach (var (_, artifact) in bundle.Manifest.Code.Where(c => bundle.Paths.Contains(c.Value.Artifact, StringComparer.Ordinal) && target.Code[c.Key] is DirectorySlot))
        {
            await ZipArtifact.CheckAsync(bundle.OpenFile(artifact.Artifact), artifact.Artifact, _config.Limits, cancellationToken);
        }

        foreach (var (slot, artifact) in bundle.Manifest.Code.Where(c => bundle.Paths.Contains(c.Value.Artifact, StringComparer.Ordinal)))
        {
            await using var content = bundle.OpenFile(artifact.Artifact);
            await _artifacts.StoreBlobAsync(content, artifact.Sha256, cancellationToken);
        }

        return changes;
    }

    /// <summary>Switches each slot forward (deploy) or back (rollback, in reverse order); each switch is idempotent and journaled.</summary>
    internal async Task SwitchSlotsAsync(TargetConfig target, DeploymentLifecycle journal, bool back, CancellationToken cancellationToken)
    {
        var changes = back ? journal.Deployment.Code.Reverse() : journal.Deployment.Code;
        foreach (var change in changes)
        {
            var config = target.Code.TryGetValue(change.Slot, out var found)
                ? found
                : throw new OperationFailedException($"slot {change.Slot} of deployment {journal.Deployment.Id} is no longer configured for target {target.Name}");
            var (version, artifact, sha) = back ? (change.FromVersion!, change.FromArtifact, change.FromSha256) : (change.ToVersion, change.ToArtifact, change.ToSha256);
            await journal.StepAsync($"switch {change.Slot} to {version}",
                () => CodeDeployers.For(config, _config.BaseDirectory, _config.Limits).SwitchAsync(version, artifact, sha, cancellationToken), cancellationToken);
        }
    }

    /// <summary>
    /// A release a rollback could not undo (a slot's current version has no release folder and no stored artifact) is
    /// refused before anything changes, unless the deployer accepts it with <c>--irreversible --reason R</c> (audited).
    /// </summary>
    internal void AcceptIrreversible(TargetConfig target, IReadOnlyList<SlotChange> code, DeployRequest request, Audit.AuditScope scope)
    {
        var problems = code.Select(c => SlotReturn.Problem(target.Code[c.Slot], _config.BaseDirectory, c.FromVersion, c.FromArtifact)).OfType<string>().ToList();
        if (problems.Count == 0)
        {
            return;
        }

        var problem = string.Join("; ", problems);
        if (!request.Irreversible)
        {
            throw new RefusedException("irreversible-release", $"release refused, nothing was changed: {problem}. Put that release folder back, or deploy anyway with --irreversible --reason R (audited)");
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw new BadInputException("--irreversible needs --reason R: deploying a release that cannot be rolled back must be justified (it is audited)");
        }

        scope.Detail = $"irreversible release accepted: {problem}";
    }

    public async Task<IReadOnlyList<string>> IrreversibleSlotsAsync(string bundlePath, string target, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        using var bundle = await OpenBundleAsync(bundlePath, cancellationToken);
        var history = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
        var problems = new List<string>();
        foreach (var slot in bundle.Manifest.Code.Keys.Order(StringComparer.Ordinal))
        {
            if (config.Code.TryGetValue(slot, out var slotConfig))
            {
                var current = await CodeDeployers.For(slotConfig, _config.BaseDirectory).CurrentVersionAsync(cancellationToken) ?? slotConfig.Baseline;
                var previous = history.SelectMany(d => d.Code).FirstOrDefault(c => c.Slot == slot && c.ToVersion == current);
                if (SlotReturn.Problem(slotConfig, _config.BaseDirectory, current, previous?.ToArtifact) is { } problem)
                {
                    problems.Add(problem);
                }
            }
        }

        return problems;
    }

    internal static string? UnknownPriorWarning(IReadOnlyList<SlotChange> code) =>
        code.Where(c => c.FromVersion is null).Select(c => c.Slot).ToList() is { Count: > 0 } unknown
            ? $"slot(s) {string.Join(", ", unknown)} had no known version before this release (no current version and no baseline in {RewindConfig.FileName}): this release cannot be rolled back"
            : null;
}
