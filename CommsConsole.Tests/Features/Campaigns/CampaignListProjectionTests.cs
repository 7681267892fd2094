using System.Linq.Expressions;
using System.Reflection;
using CommsConsole.Data;
using CommsConsole.Features.Campaigns;

namespace CommsConsole.Tests.Features.Campaigns;

/// <summary>
/// Lists read campaigns through a projection that names every column but the recipients. A property added to
/// <see cref="Campaign"/> and not to the projection would read as its default in every list, and no list test would
/// notice unless it happened to check that property.
/// </summary>
public sealed class CampaignListProjectionTests
{
    [Fact]
    public void TheListsProjection_CopiesEveryPropertyOfACampaign_AndLeavesOnlyTheRecipientsOut()
    {
        var init = Assert.IsAssignableFrom<MemberInitExpression>(CampaignService.WithoutRecipients.Body);
        var bindings = init.Bindings.Cast<MemberAssignment>().ToDictionary(b => b.Member.Name, b => b.Expression);

        var properties = typeof(Campaign).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);
        Assert.Equal(properties.Order(), bindings.Keys.Order());
        foreach (var (name, value) in bindings)
        {
            if (name == nameof(Campaign.Recipients))
                Assert.True(value is ConstantExpression { Value: null }, "the recipients are read after all");
            else
                Assert.True(value is MemberExpression { Member.Name: var read } && read == name, $"{name} is not copied from the stored campaign's {name}");
        }
    }
}
