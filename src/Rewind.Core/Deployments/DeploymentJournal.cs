using Rewind.Core.ControlPlane;
using Rewind.Core.Locks;

namespace Rewind.Core.Deployments;

/// <summary>
/// Writes each step of an operation to the deployment's journal before and after it runs, so a re-run after a
/// crash can see how far it got. Holds the current image of the deployment; every change goes through it, fenced
/// by the operation's lock: once an admin has broken the lock, nothing this operation writes reaches the ledger.
/// </summary>
internal sealed class DeploymentJournal(IControlPlaneStore store, TimeProvider time, TargetLock held, Deployment deployment)
{
    public Deployment Deployment { get; private set; } = deployment;

    /// <summary>The lock the operation holds, which fences every write of this journal.</summary>
    public TargetLock Lock => held;

    /// <summary>Changes the deployment; <paramref name="failing"/> is the failure the change records, if any.</summary>
    public async Task UpdateAsync(Func<Deployment, Deployment> change, CancellationToken cancellationToken = default, Exception? failing = null)
    {
        Deployment = change(Deployment);
        await held.WriteFencedAsync(h => store.UpdateDeploymentAsync(Deployment, h, cancellationToken), failing);
    }

    /// <summary>Writes the deployment and its target's new state together (the end of a rollback, a freeze).</summary>
    public async Task SaveAsync(Deployment deployment, TargetState state, CancellationToken cancellationToken = default, Exception? failing = null)
    {
        Deployment = deployment;
        await held.WriteFencedAsync(h => store.SaveAsync(deployment, state, h, cancellationToken), failing);
    }

    public async Task<T> StepAsync<T>(string step, Func<Task<T>> run, CancellationToken cancellationToken)
    {
        await AppendAsync(step, "started", null, cancellationToken);
        try
        {
            var result = await run();
            await AppendAsync(step, "done", null, CancellationToken.None);
            return result;
        }
        catch (Exception e) when (e is not BadInputException)
        {
            // Bad input leaves no trace (its deployment entry is removed); anything else is journaled.
            await AppendAsync(step, "failed", e.Message, CancellationToken.None, failing: e);
            throw;
        }
    }

    public Task StepAsync(string step, Func<Task> run, CancellationToken cancellationToken) =>
        StepAsync(step, async () =>
        {
            await run();
            return true;
        }, cancellationToken);

    private Task AppendAsync(string step, string state, string? detail, CancellationToken cancellationToken, Exception? failing = null) =>
        UpdateAsync(d => d with { Steps = [.. d.Steps, new JournalStep(step, state, time.GetUtcNow(), detail)] }, cancellationToken, failing);
}
