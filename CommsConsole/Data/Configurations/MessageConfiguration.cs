using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
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

        // Log queries: tenant (+ user) scope, optional channel/status filters, newest first.
        b.HasIndex(m => new { m.TenantId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.UserId, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.Status, m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.TenantId, m.Channel, m.CreatedAt, m.Id });
        // The same for a SystemAdmin, who reads across tenants.
        b.HasIndex(m => new { m.CreatedAt, m.Id });
        b.HasIndex(m => new { m.Status, m.CreatedAt, m.Id });
        // Dispatch: due pending work, and expired leases.
        b.HasIndex(m => new { m.Status, m.NextAttemptAt });
        b.HasIndex(m => new { m.Status, m.LeaseUntil });
        b.HasIndex(m => m.LeaseId);
        b.HasIndex(m => new { m.BatchId, m.Status });
        b.HasIndex(m => m.ThirdPartyId);
        // Frequency caps on verification codes, and the tenant that last wrote to a number that replies.
        b.HasIndex(m => new { m.Recipient, m.CreatedAt });
    }
}
