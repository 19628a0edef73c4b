using Rewind.Core.Engine;


namespace Rewind.Tests.Support;

/// <summary>Progress reported on the reporting thread, in order (no synchronisation context): a test sees each report as it is made.</summary>
public sealed class InlineProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value) => report(value);
}
