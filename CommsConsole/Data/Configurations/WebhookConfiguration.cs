using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CommsConsole.Data.Configurations;

public sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> b)
    {
        b.Property(e => e.TenantId).HasMaxLength(32);
        b.Property(e => e.Url).HasMaxLength(WebhookEndpoint.MaxUrl);
        b.Property(e => e.Description).HasMaxLength(WebhookEndpoint.MaxDescription);
        b.Property(e => e.CreatedBy).HasMaxLength(64);
        b.Property(e => e.DisabledReason).HasMaxLength(500);
        b.HasIndex(e => e.TenantId);
    }
}

public sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> b)
    {
        b.Property(d => d.TenantId).HasMaxLength(32);
        b.Property(d => d.Event).HasMaxLength(64);
        b.Property(d => d.LeaseId).HasMaxLength(32);
        b.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        // The worker's claim: due pending rows in order.
        b.HasIndex(d => new { d.Status, d.NextAttemptAt });
        // An endpoint's recent deliveries (console, REST).
        b.HasIndex(d => new { d.EndpointId, d.Id });
    }
}

public sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> b)
    {
        b.Property(a => a.TenantId).HasMaxLength(32);
        b.Property(a => a.Event).HasMaxLength(64);
        b.Property(a => a.ResponseExcerpt).HasMaxLength(WebhookAttempt.MaxExcerpt);
        b.Property(a => a.Error).HasMaxLength(500);
        b.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.EndpointId, a.Id });
        b.HasIndex(a => a.DeliveryId);
    }
}
