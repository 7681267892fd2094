namespace CommsConsole.Features.Templates;

/// <summary>One template of the starter gallery in one language, copied into a tenant's own templates to be edited there.</summary>
public sealed record StarterTemplate(string Key, string Language, string Code, string Name, string Subject, EmailBodyFormat Format, string Body);

/// <summary>
/// The starter gallery: a newsletter (HTML with a style sheet, inlined when sent), an announcement, a verification code
/// and a receipt (Markdown), each in English and Simplified Chinese. Variables default to something readable, so a
/// starter previews well before any value is given.
/// </summary>
public static class StarterTemplates
{
    public const string English = "en", Chinese = "zh-CN";
    public const string Newsletter = "newsletter", Announcement = "announcement", VerificationCode = "verification-code", Receipt = "receipt";

    public static readonly IReadOnlyList<string> Keys = [Newsletter, Announcement, VerificationCode, Receipt];
    public static readonly IReadOnlyList<string> Languages = [English, Chinese];

    private const string NewsletterStyle = """
        <style>
          .wrap { max-width: 600px; margin: 0 auto; font-family: Arial, Helvetica, "PingFang SC", "Microsoft YaHei", sans-serif; color: #222222; }
          .masthead { background-color: #1a73e8; color: #ffffff; padding: 24px; }
          .masthead h1 { margin: 0; font-size: 24px; }
          .content { padding: 24px; font-size: 15px; line-height: 1.6; }
          .content h2 { font-size: 18px; margin: 24px 0 8px 0; }
          .button { display: inline-block; background-color: #1a73e8; color: #ffffff; padding: 10px 20px; text-decoration: none; border-radius: 4px; }
          .small { color: #777777; font-size: 12px; }
          @media (max-width: 480px) { .content { padding: 12px; } .masthead { padding: 16px; } }
        </style>
        """;

    public static readonly IReadOnlyList<StarterTemplate> All =
    [
        new(Newsletter, English, "NEWSLETTER", "Monthly newsletter", "{{ company | default: \"Our\" }} news for {{ month | default: \"this month\" }}", EmailBodyFormat.Html,
            NewsletterStyle + """

            <div class="wrap">
              <div class="masthead"><h1>{{ company | default: "Our company" }} news</h1></div>
              <div class="content">
                <p>Hi {{ name | default: "there" }},</p>
                <p>Here is what happened at {{ company | default: "our company" }} in {{ month | default: "the last month" }}.</p>
                <h2>The big story</h2>
                <p>Write two or three sentences about the most important news, and link to the whole story.</p>
                <h2>Also new</h2>
                <ul>
                  <li>A smaller piece of news</li>
                  <li>An event coming up</li>
                  <li>A tip for our customers</li>
                </ul>
                <p><a class="button" href="{{ link | default: "https://example.com" }}">Read more</a></p>
                <p class="small">You get this newsletter because you signed up for it.</p>
              </div>
            </div>
            """),
        new(Newsletter, Chinese, "NEWSLETTER_ZH", "月度简报", "{{ company | default: \"我们\" }}的{{ month | default: \"本月\" }}简报", EmailBodyFormat.Html,
            NewsletterStyle + """

            <div class="wrap">
              <div class="masthead"><h1>{{ company | default: "我们公司" }}简报</h1></div>
              <div class="content">
                <p>{{ name | default: "您好" }}：</p>
                <p>以下是{{ company | default: "我们" }}{{ month | default: "上个月" }}的新动态。</p>
                <h2>头条</h2>
                <p>用两三句话介绍最重要的消息，并附上全文链接。</p>
                <h2>其他新闻</h2>
                <ul>
                  <li>一条小消息</li>
                  <li>即将举行的活动</li>
                  <li>给客户的小贴士</li>
                </ul>
                <p><a class="button" href="{{ link | default: "https://example.com" }}">阅读全文</a></p>
                <p class="small">您收到这封简报是因为您订阅了它。</p>
              </div>
            </div>
            """),
        new(Announcement, English, "ANNOUNCEMENT", "Announcement", "{{ title | default: \"Big news\" }}", EmailBodyFormat.Markdown, """
            # {{ title | default: "Big news" }}

            Hi {{ name | default: "there" }},

            We are happy to announce something new: say in one or two sentences what it is and why it matters to the reader.

            **When:** {{ date | default: "soon" }}
            **Where:** {{ place | default: "online" }}

            [Find out more]({{ link | default: "https://example.com" }})

            Best regards,
            The {{ company | default: "our" }} team
            """),
        new(Announcement, Chinese, "ANNOUNCEMENT_ZH", "公告", "{{ title | default: \"重要消息\" }}", EmailBodyFormat.Markdown, """
            # {{ title | default: "重要消息" }}

            {{ name | default: "您好" }}：

            我们很高兴地宣布一项新消息：用一两句话说明它是什么，以及它对读者的意义。

            **时间：** {{ date | default: "即将公布" }}
            **地点：** {{ place | default: "线上" }}

            [了解详情]({{ link | default: "https://example.com" }})

            此致
            {{ company | default: "我们的" }}团队
            """),
        new(VerificationCode, English, "VERIFY_EMAIL", "Verification code", "Your verification code: {{ code }}", EmailBodyFormat.Markdown, """
            Hi {{ name | default: "there" }},

            Your verification code is:

            ## {{ code | default: "123456" }}

            It expires in {{ minutes | default: "10" }} minutes. If you did not ask for this code, you can ignore this email: nobody can sign in without it.
            """),
        new(VerificationCode, Chinese, "VERIFY_EMAIL_ZH", "验证码", "您的验证码：{{ code }}", EmailBodyFormat.Markdown, """
            {{ name | default: "您好" }}：

            您的验证码是：

            ## {{ code | default: "123456" }}

            验证码 {{ minutes | default: "10" }} 分钟内有效。如果这不是您本人的操作，请忽略本邮件：没有验证码，任何人都无法登录。
            """),
        new(Receipt, English, "RECEIPT", "Receipt", "Your receipt for order {{ order }}", EmailBodyFormat.Markdown, """
            # Thank you for your order

            Hi {{ name | default: "there" }}, here is your receipt for order **{{ order | default: "1001" }}** of {{ date | default: "today" }}.

            | Item | Quantity | Price |
            |:-----|---------:|------:|
            | {{ item | default: "Item" }} | {{ quantity | default: "1" }} | {{ price | default: "0.00" }} |
            | **Total** | | **{{ total | default: "0.00" }}** |

            Paid with {{ payment | default: "card" }}. Keep this email as your proof of purchase.

            Questions? Just reply to this email.
            """),
        new(Receipt, Chinese, "RECEIPT_ZH", "收据", "订单 {{ order }} 的收据", EmailBodyFormat.Markdown, """
            # 感谢您的订购

            {{ name | default: "您好" }}，这是您 {{ date | default: "今天" }} 的订单 **{{ order | default: "1001" }}** 的收据。

            | 商品 | 数量 | 价格 |
            |:-----|-----:|-----:|
            | {{ item | default: "商品" }} | {{ quantity | default: "1" }} | {{ price | default: "0.00" }} |
            | **合计** | | **{{ total | default: "0.00" }}** |

            支付方式：{{ payment | default: "银行卡" }}。请保留本邮件作为购买凭证。

            如有疑问，直接回复本邮件即可。
            """),
    ];

    /// <summary>The starter of that key in that language (zh-CN for any Chinese, English otherwise), or null for an unknown key.</summary>
    public static StarterTemplate? Find(string? key, string? language)
    {
        var lang = language?.Trim().StartsWith("zh", StringComparison.OrdinalIgnoreCase) == true ? Chinese : English;
        var k = key?.Trim().ToLowerInvariant();
        return All.FirstOrDefault(s => s.Key == k && s.Language == lang);
    }
}
