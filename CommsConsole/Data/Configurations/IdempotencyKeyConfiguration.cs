using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class IdempotencyKeyConfiguration : IEntityTypeConfiguration<IdempotencyKey>
{
    public void Configure(EntityTypeBuilder<IdempotencyKey> b)
    {
        b.HasKey(k => new { k.TenantId, k.UserId, k.Key });
        b.Property(k => k.TenantId).HasMaxLength(32);
        b.Property(k => k.UserId).HasMaxLength(64);
        b.Property(k => k.Key).HasMaxLength(IdempotencyKey.MaxKeyLength);
        b.Property(k => k.RequestHash).HasMaxLength(64);
        b.Property(k => k.ContentType).HasMaxLength(200);
        b.HasIndex(k => k.CreatedAt);
    }
}
