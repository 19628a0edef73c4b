using System.Globalization;
using System.Text;
using Rewind.Core.Audit;

namespace Rewind.Tests.Support;

/// <summary>
/// What someone with write access to the control plane could do to the audit log: change an entry's reason and
/// recompute every hash after it (and the head row), so the log alone looks intact. Portable SQL for both engines.
/// </summary>
public static class AuditForgery
{
    /// <summary>The SQL that rewrites entry <paramref name="seq"/>'s reason and re-seals the chain from it onward.</summary>
    public static async Task<string> RewriteReasonAsync(IAuditLog log, long seq, string reason, string auditTable, string headTable)
    {
        var entries = await log.ReadAsync(new AuditQuery(Limit: int.MaxValue));
        var sql = new StringBuilder();
        var previous = AuditChain.Genesis;
        AuditEntry? last = null;
        foreach (var entry in entries)
        {
            var forged = entry.Seq == seq ? entry with { Reason = reason } : entry;
            var resealed = AuditChain.Seal(forged, forged.Seq, previous);
            if (entry.Seq >= seq)
            {
                sql.Append(CultureInfo.InvariantCulture, $"UPDATE {auditTable} SET reason = '{resealed.Reason}', prev_hash = '{resealed.PrevHash}', hash = '{resealed.Hash}' WHERE seq = {resealed.Seq};\n");
            }

            previous = resealed.Hash;
            last = resealed;
        }

        sql.Append(CultureInfo.InvariantCulture, $"UPDATE {headTable} SET count = {last!.Seq}, hash = '{last.Hash}';\n");
        return sql.ToString();
    }
}
