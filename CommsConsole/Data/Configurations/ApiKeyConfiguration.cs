using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.Property(k => k.TenantId).HasMaxLength(32);
        b.Property(k => k.UserId).HasMaxLength(64);
        b.Property(k => k.CreatedBy).HasMaxLength(64);
        b.Property(k => k.Name).HasMaxLength(ApiKey.MaxName);
        b.Property(k => k.Prefix).HasMaxLength(16);
        b.Property(k => k.Hash).HasMaxLength(32);
        b.Property(k => k.Scopes).HasMaxLength(32);
        // Every request with a key looks it up by its prefix.
        b.HasIndex(k => k.Prefix).IsUnique();
        b.HasIndex(k => new { k.TenantId, k.UserId });
        // A deleted user's keys go with it.
        b.HasOne<ApplicationUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
