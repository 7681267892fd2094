using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class MessageEventConfiguration : IEntityTypeConfiguration<MessageEvent>
{
    public void Configure(EntityTypeBuilder<MessageEvent> b)
    {
        b.Property(e => e.TenantId).HasMaxLength(32);
        b.Property(e => e.Url).HasMaxLength(MessageEvent.MaxUrl);
        b.Property(e => e.UserAgent).HasMaxLength(MessageEvent.MaxUserAgent);
        // A hit's burst check (a message's recent hits) and a message's own counts; purges and erasures by message.
        b.HasIndex(e => new { e.MessageId, e.At });
        // A batch's figures: by kind, people's apart from automated hits.
        b.HasIndex(e => new { e.BatchId, e.Kind, e.Automated, e.MessageId });
    }
}
