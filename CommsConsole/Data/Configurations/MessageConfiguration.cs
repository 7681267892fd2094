using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    /// <summary>The SQL condition of the index of due pending rows; raw SQL that claims them repeats it verbatim.</summary>
    public static readonly string PendingOnly = $"\"Status\" = {(int)MessageStatus.Pending}";

    /// <summary>The SQL condition of the index of leased rows; raw SQL that reclaims them repeats it verbatim.</summary>
    public static readonly string SendingOnly = $"\"Status\" = {(int)MessageStatus.Sending}";

    public void Configure(EntityTypeBuilder<Message> b)
    {
        b.Property(m => m.TenantId).HasMaxLength(32);
        b.Property(m => m.UserId).HasMaxLength(64);
        b.Property(m => m.Recipient).HasMaxLength(320);
        b.Property(m => m.Subject).HasMaxLength(500);
        b.Property(m => m.Provider).HasMaxLength(64);
        b.Property(m => m.ThirdPartyId).HasMaxLength(128);
        b.Property(m => m.ThirdPartyStatus).HasMaxLength(64);
        b.Property(m => m.BizType).HasMaxLength(Message.MaxBizType);
        b.Property(m => m.ReceiverName).HasMaxLength(Message.MaxReceiverName);
        b.Property(m => m.Remark).HasMaxLength(Message.MaxRemark);
        b.Property(m => m.LeaseId).HasMaxLength(32);

        // Log queries: tenant (+ user) scope, optional channel/status filters, newest first. A page's ids are read from
        // the index alone (MessagingService.QueryAsync), so the filter an index does not order by rides along as its last
        // column: a deep page with both filters then skips index entries without reading a row.
        // The status is descending where it leads: a new row is pending (the lowest status), and placed after the finished
        // ones it is appended at the end of the index, which SQLite does without searching from the root (a million rows
        // accepted at once: 8.8 → 6.9 s of CPU in the sqlite3 shell). The filters compare it for equality, so its order
        // changes no query.
        b.HasIndex(m => new { m.TenantId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.UserId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.Status, m.CreatedAt, m.Id, m.Channel }).IsDescending(false, true, false, false, false);
        b.HasIndex(m => new { m.TenantId, m.Channel, m.CreatedAt, m.Id, m.Status });
        // The same for a SystemAdmin, who reads across tenants.
        b.HasIndex(m => new { m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.Status, m.CreatedAt, m.Id, m.Channel }).IsDescending(true, false, false, false);
        // Dispatch: due pending work, expired leases (and a claim's rows, by the lease's end), receipts by the provider's id. Each holds only the
        // rows it is for (partial indexes), so an accepted row enters one of them, and a finished one leaves them all.
        // Queries must name the status as a literal for the planner to use them (MessageLedger); the status also leads
        // the key, or SQLite (which has no statistics to go on) prefers a log index that starts with it.
        b.HasIndex(m => new { m.Status, m.NextAttemptAt }).HasFilter(PendingOnly);
        b.HasIndex(m => new { m.Status, m.LeaseUntil }).HasFilter(SendingOnly);
        // A batch's rows in log order (a campaign's page, cancel, resend): without the status, which would make every claim
        // and every outcome write this index too.
        b.HasIndex(m => new { m.BatchId, m.CreatedAt, m.Id });
        b.HasIndex(m => m.ThirdPartyId).HasFilter("\"ThirdPartyId\" IS NOT NULL");
        // Frequency caps on verification codes, and the tenant that last wrote to a number that replies.
        b.HasIndex(m => new { m.Recipient, m.CreatedAt });
    }
}
