using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class SuppressionConfiguration : IEntityTypeConfiguration<Suppression>
{
    public void Configure(EntityTypeBuilder<Suppression> b)
    {
        b.Property(s => s.TenantId).HasMaxLength(32);
        b.Property(s => s.Address).HasMaxLength(320);
        b.Property(s => s.Note).HasMaxLength(Suppression.MaxNote);
        b.Property(s => s.CreatedBy).HasMaxLength(64);
        b.Property(s => s.RemovedBy).HasMaxLength(64);
        b.Property(s => s.RemovalReason).HasMaxLength(Suppression.MaxNote);
        b.HasIndex(s => new { s.TenantId, s.Channel, s.Address }).IsUnique();
        b.HasIndex(s => new { s.TenantId, s.CreatedAt });
    }
}
