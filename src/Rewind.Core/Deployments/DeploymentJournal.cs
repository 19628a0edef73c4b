using Rewind.Core.ControlPlane;

namespace Rewind.Core.Deployments;

/// <summary>
/// Writes each step of an operation to the deployment's journal before and after it runs, so a re-run after a
/// crash can see how far it got. Holds the current image of the deployment; every change goes through it.
/// </summary>
internal sealed class DeploymentJournal(IControlPlaneStore store, TimeProvider time, Deployment deployment)
{
    public Deployment Deployment { get; private set; } = deployment;

    public async Task UpdateAsync(Func<Deployment, Deployment> change, CancellationToken cancellationToken = default)
    {
        Deployment = change(Deployment);
        await store.UpdateDeploymentAsync(Deployment, cancellationToken);
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
            await AppendAsync(step, "failed", e.Message, CancellationToken.None);
            throw;
        }
    }

    public Task StepAsync(string step, Func<Task> run, CancellationToken cancellationToken) =>
        StepAsync(step, async () =>
        {
            await run();
            return true;
        }, cancellationToken);

    private Task AppendAsync(string step, string state, string? detail, CancellationToken cancellationToken) =>
        UpdateAsync(d => d with { Steps = [.. d.Steps, new JournalStep(step, state, time.GetUtcNow(), detail)] }, cancellationToken);
}
