using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rewind.Core.Secrets;
using Rewind.Server.Problems;
using Rewind.Core.Engine;

namespace Rewind.Server.Operations;

/// <summary>
/// Long operations running in this server instance. The registry is per instance (poll the instance that answered
/// 202); the journal it shows lives in the shared store, so any instance shows the deployment's steps. Operations
/// run until they end even if the caller goes away; stopping the server cancels them, and the journal lets the next
/// operation on the target settle whatever was interrupted.
/// </summary>
internal sealed class OperationRegistry(TimeProvider time, IHostApplicationLifetime lifetime, ILogger<OperationRegistry> logger)
{
    private const int Kept = 200;
    private readonly ConcurrentDictionary<string, ServerOperation> _operations = new(StringComparer.Ordinal);

    public ServerOperation? Find(string id) => _operations.GetValueOrDefault(id);

    /// <summary>Starts <paramref name="work"/> in the background and returns its record at once.</summary>
    public ServerOperation Start(string kind, string target, string who, string? deployment, Func<IProgress<OperationProgress>, CancellationToken, Task<(bool Succeeded, object Result)>> work)
    {
        Prune();
        var operation = new ServerOperation("op-" + Guid.NewGuid().ToString("N")[..16], kind, target, who, deployment, time.GetUtcNow());
        _operations[operation.Id] = operation;
        var progress = new LatestProgress(operation);
        _ = Task.Run(async () =>
        {
            try
            {
                var (succeeded, result) = await work(progress, lifetime.ApplicationStopping);
                operation.Finish(succeeded ? "succeeded" : "failed", result, null, time.GetUtcNow());
            }
            catch (Exception e)
            {
                var problem = ProblemMapping.From(e);
                if (problem.Status >= StatusCodes.Status500InternalServerError)
                {
                    logger.LogError("{Kind} operation {Id} on {Target} failed: {Fault}", kind, operation.Id, target, SecretMask.Apply(e.ToString()));
                }

                operation.Finish(problem.Status is StatusCodes.Status409Conflict or StatusCodes.Status403Forbidden ? "refused" : "failed", null, problem, time.GetUtcNow());
            }
        }, CancellationToken.None);
        return operation;
    }

    // Finished operations are kept for polling; the oldest go once there are many.
    private void Prune()
    {
        if (_operations.Count < Kept)
        {
            return;
        }

        foreach (var old in _operations.Values.Where(o => o.EndedAt is not null).OrderBy(o => o.StartedAt).Take(_operations.Count - Kept + 1))
        {
            _operations.TryRemove(old.Id, out _);
        }
    }

    /// <summary>Records progress synchronously: <see cref="Progress{T}"/> would post to the thread pool out of order.</summary>
    private sealed class LatestProgress(ServerOperation operation) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => operation.Progress = value;
    }
}
