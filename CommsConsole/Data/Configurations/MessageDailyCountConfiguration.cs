using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class MessageDailyCountConfiguration : IEntityTypeConfiguration<MessageDailyCount>
{
    public void Configure(EntityTypeBuilder<MessageDailyCount> b)
    {
        b.Property(c => c.TenantId).HasMaxLength(32);
        b.Property(c => c.UserId).HasMaxLength(64);
        b.HasIndex(c => new { c.TenantId, c.UserId, c.Day, c.Channel, c.Status }).IsUnique();
        b.HasIndex(c => c.Day);
    }
}
