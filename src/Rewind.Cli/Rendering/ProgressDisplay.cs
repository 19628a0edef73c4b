using Spectre.Console;
using Rewind.Core.Engine;

namespace Rewind.Cli.Rendering;

/// <summary>Runs an operation under a progress bar on a terminal, or silently when output is redirected or JSON.</summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(bool interactive, string title, Func<IProgress<OperationProgress>?, Task<T>> operation)
    {
        if (!interactive)
        {
            return await operation(null);
        }

        return await AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Output.Esc(title), maxValue: 1);
                var progress = new Progress<OperationProgress>(p =>
                {
                    task.Description = Output.Esc($"{title}: {p.Step}");
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                });
                var result = await operation(progress);
                task.Value = task.MaxValue;
                return result;
            });
    }
}
