using System.Net.Http.Json;
using System.Text.Json;
using Rewind.Core.Verification;
using Rewind.Core.Configuration;

namespace Rewind.Core.Notifications;

/// <summary>
/// Sends notifications to webhooks (POST, retried with backoff) and notifier commands. Delivery is bounded
/// by a deadline so a dead receiver never holds a rollback past its budget; failures are reported, not thrown.
/// </summary>
public sealed class Notifier(NotifyConfig config, HttpClient http, string workingDirectory, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan[] Backoff = [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    /// <summary>Delivers to every receiver; returns the ones that could not be reached, in words.</summary>
    public async Task<IReadOnlyList<string>> SendAsync(Notification notification, TimeSpan deadline, CancellationToken cancellationToken)
    {
        if (config.Webhooks.Count == 0 && config.Commands.Count == 0)
        {
            return [];
        }

        // A notification leaves the machine: nothing that looks like a secret goes with it.
        notification = notification with { Detail = Secrets.SecretMask.Apply(notification.Detail), Reason = Secrets.SecretMask.Values(notification.Reason) };
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(deadline);
        var failures = new List<string>();
        var sends = config.Webhooks.Select(url => PostAsync(url, notification, bounded.Token))
            .Concat(config.Commands.Select(command => RunAsync(command, notification, deadline, bounded.Token)));
        foreach (var failure in await Task.WhenAll(sends))
        {
            if (failure is not null)
            {
                failures.Add(failure);
            }
        }

        return failures;
    }

    private async Task<string?> PostAsync(string url, Notification notification, CancellationToken cancellationToken)
    {
        string last = "";
        for (var attempt = 0; attempt <= Backoff.Length; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync(url, notification, Json, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }
            catch (OperationCanceledException)
            {
                return $"webhook {url}: gave up at the deadline ({last})";
            }

            if (attempt < Backoff.Length)
            {
                try
                {
                    await Task.Delay(Backoff[attempt], time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return $"webhook {url}: gave up at the deadline ({last})";
                }
            }
        }

        return $"webhook {url}: {last}";
    }

    private async Task<string?> RunAsync(string command, Notification n, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            ["REWIND_EVENT"] = n.Event,
            ["REWIND_TARGET"] = n.Target,
            ["REWIND_DEPLOYMENT"] = n.Deployment ?? "",
            ["REWIND_BUNDLE"] = n.Bundle ?? "",
            ["REWIND_REASON"] = n.Reason ?? "",
            ["REWIND_WHO"] = n.Who ?? "",
            ["REWIND_OUTCOME"] = n.Outcome ?? "",
            ["REWIND_OVER_BUDGET"] = n.OverBudget ? "true" : "false",
            ["REWIND_AUDIT_HEAD"] = n.AuditHead is { } head ? $"{head.Seq}:{head.Hash}" : "",
            ["REWIND_PAYLOAD"] = JsonSerializer.Serialize(n, Json),
        };
        try
        {
            var outcome = await ShellCommand.RunAsync(command, workingDirectory, environment, deadline, cancellationToken);
            return outcome.Succeeded ? null : $"notifier '{command}': {(outcome.TimedOut ? "timed out" : $"exit {outcome.ExitCode}")}";
        }
        catch (OperationCanceledException)
        {
            return $"notifier '{command}': gave up at the deadline";
        }
    }
}
