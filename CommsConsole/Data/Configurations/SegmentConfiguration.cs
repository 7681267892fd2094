using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> b)
    {
        b.Property(s => s.TenantId).HasMaxLength(32);
        b.Property(s => s.Name).HasMaxLength(Segment.MaxName);
        b.Property(s => s.Filter).HasMaxLength(2_000);
        b.Property(s => s.CreatedBy).HasMaxLength(64);
        b.HasIndex(s => new { s.TenantId, s.Name }).IsUnique();
    }
}
