using Rewind.Core.Authoring;

namespace Rewind.Core.Engine;

public sealed partial class RewindEngine
{
    /// <summary>Authors the bundle that brings one target's managed state to another's (see <see cref="BundleMaker"/>); neither target is written.</summary>
    public Task<MadeBundle> MakeBundleAsync(MakeRequest request, CancellationToken cancellationToken = default) =>
        new BundleMaker(_config, _targets, _time).MakeAsync(request, cancellationToken);
}
