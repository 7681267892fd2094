using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class InboundReplyConfiguration : IEntityTypeConfiguration<InboundReply>
{
    public void Configure(EntityTypeBuilder<InboundReply> b)
    {
        b.Property(r => r.TenantId).HasMaxLength(32);
        b.Property(r => r.Phone).HasMaxLength(32);
        b.Property(r => r.Content).HasMaxLength(2_000);
        b.Property(r => r.SendId).HasMaxLength(128);
        b.Property(r => r.Raw).HasMaxLength(8_000);
        b.HasIndex(r => new { r.TenantId, r.ReceivedAt });
        b.HasIndex(r => r.ReceivedAt);
    }
}
