using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.Property(e => e.TenantId).HasMaxLength(32);
        b.Property(e => e.UserId).HasMaxLength(64);
        b.Property(e => e.Action).HasMaxLength(AuditEvent.MaxAction);
        b.Property(e => e.Target).HasMaxLength(AuditEvent.MaxTarget);
        b.Property(e => e.Detail).HasMaxLength(AuditEvent.MaxDetail);
        // The trail is read newest first per tenant, a page at a time.
        b.HasIndex(e => new { e.TenantId, e.At, e.Id });
    }
}
