using Rewind.Core.Authoring;

namespace Rewind.Core.Engine;

internal sealed class Making(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<MadeBundle> MakeBundleAsync(MakeRequest request, CancellationToken cancellationToken = default) =>
        new BundleMaker(_config, _targets, _time).MakeAsync(request, cancellationToken);
}
