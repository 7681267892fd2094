using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class BatchConfiguration : IEntityTypeConfiguration<Batch>
{
    public void Configure(EntityTypeBuilder<Batch> b)
    {
        b.Property(x => x.TenantId).HasMaxLength(32);
        b.Property(x => x.UserId).HasMaxLength(64);
        b.Property(x => x.Source).HasMaxLength(32);
        b.Property(x => x.Subject).HasMaxLength(500);
        b.Property(x => x.Name).HasMaxLength(Batch.MaxName);
        b.HasIndex(x => new { x.TenantId, x.CreatedAt });
        b.HasIndex(x => x.CampaignId);
    }
}
