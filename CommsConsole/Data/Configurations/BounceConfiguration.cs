using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class BounceConfiguration : IEntityTypeConfiguration<Bounce>
{
    public void Configure(EntityTypeBuilder<Bounce> b)
    {
        b.Property(x => x.TenantId).HasMaxLength(32);
        b.Property(x => x.UserId).HasMaxLength(64);
        b.Property(x => x.Recipient).HasMaxLength(320);
        b.Property(x => x.Status).HasMaxLength(Bounce.MaxStatus);
        b.Property(x => x.Reason).HasMaxLength(Bounce.MaxReason);
        // One of each kind per message: the insert-if-absent on this key is what records a report read twice once.
        b.HasIndex(x => new { x.MessageId, x.Kind }).IsUnique();
        b.HasIndex(x => new { x.BatchId, x.Kind });
        b.HasIndex(x => new { x.TenantId, x.Recipient, x.MessageId });
    }
}
