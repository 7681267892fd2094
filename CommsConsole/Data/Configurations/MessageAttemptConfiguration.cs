using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class MessageAttemptConfiguration : IEntityTypeConfiguration<MessageAttempt>
{
    public void Configure(EntityTypeBuilder<MessageAttempt> b)
    {
        b.Property(a => a.Provider).HasMaxLength(64);
        b.Property(a => a.Outcome).HasMaxLength(32);
        b.HasIndex(a => a.MessageId);
    }
}
