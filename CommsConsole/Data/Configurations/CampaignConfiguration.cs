using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> b)
    {
        b.Property(x => x.TenantId).HasMaxLength(32);
        b.Property(x => x.UserId).HasMaxLength(64);
        b.Property(x => x.Name).HasMaxLength(Campaign.MaxName);
        b.Property(x => x.TemplateCode).HasMaxLength(64);
        b.Property(x => x.Subject).HasMaxLength(500);
        b.Property(x => x.LastError).HasMaxLength(Campaign.MaxError);
        b.HasIndex(x => new { x.TenantId, x.CreatedAt });
        // The scheduler's two questions: which scheduled campaigns are due, which sending ones may have finished.
        b.HasIndex(x => new { x.State, x.ScheduledAt });
    }
}
