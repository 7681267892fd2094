using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data;

public sealed class SeenWebhookTokenConfiguration : IEntityTypeConfiguration<SeenWebhookToken>
{
    public const int MaxTokenLength = 64;

    public void Configure(EntityTypeBuilder<SeenWebhookToken> b)
    {
        b.HasKey(t => new { t.Scope, t.Token });
        b.Property(t => t.Scope).HasMaxLength(32);
        b.Property(t => t.Token).HasMaxLength(MaxTokenLength);
        b.Property(t => t.EventHash).HasMaxLength(64);
        b.HasIndex(t => t.SeenAt);
    }
}
