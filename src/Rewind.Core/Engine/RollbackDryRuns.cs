namespace Rewind.Core.Engine;

internal sealed class RollbackDryRuns(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<RollbackDryRun> DryRunRollbackAsync(string target, string? expectedDeployment = null, CancellationToken cancellationToken = default)
    {
        var config = _config.Target(target);
        var newest = await Uses.RollingBack.PreviewRollbackAsync(config.Name, expectedDeployment, cancellationToken);
        var history = await _store.GetDeploymentsAsync(config.Name, cancellationToken);
        var backTo = history.FirstOrDefault(d => d.IsApplied && d.Id != newest.Id);
        if (newest.InverseDigest is null || !_artifacts.Contains(newest.InverseDigest))
        {
            throw new OperationFailedException($"the inverse of {newest.Id} is missing from the artifact store ({_artifacts.Root}); a rollback would fail: restore the artifact folder first");
        }

        var changes = await Uses.Diffing.DiffAsync(_artifacts.PathOf(newest.InverseDigest), config.Name, cancellationToken: cancellationToken);
        var liveEdits = _artifacts.Contains(newest.BundleDigest)
            ? (await Uses.Diffing.DiffAsync(_artifacts.PathOf(newest.BundleDigest), config.Name, cancellationToken: cancellationToken)).Records
            : [];
        var business = await Uses.BusinessTables.BusinessImpactAsync(config, newest, cancellationToken);
        return new RollbackDryRun(config.Name, newest, backTo, changes, newest.Code, liveEdits, business);
    }
}
