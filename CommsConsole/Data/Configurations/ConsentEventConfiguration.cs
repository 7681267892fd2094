using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ConsentEventConfiguration : IEntityTypeConfiguration<ConsentEvent>
{
    public void Configure(EntityTypeBuilder<ConsentEvent> b)
    {
        b.Property(e => e.TenantId).HasMaxLength(32);
        b.Property(e => e.Address).HasMaxLength(320);
        b.Property(e => e.Note).HasMaxLength(ConsentEvent.MaxNote);
        b.Property(e => e.By).HasMaxLength(64);
        b.HasIndex(e => new { e.TenantId, e.Channel, e.Address, e.At });
    }
}
