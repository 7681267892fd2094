using System.Diagnostics;
using System.Text.Json;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;

namespace CommsConsole.Tests.Features.Messaging;

/// <summary>
/// The cURL examples of document 003, run as written by the real curl against the started app
/// (only the host and the token replaced), answer as the document shows.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class DocumentExamplesTests(SharedApp app)
{
    private const string SendOne = """
        curl -X POST http://localhost:8080/notification/sms/send \
          -H "Content-Type: application/json" \
          -H "Authorization: Bearer your-token" \
          -d '{
            "phone": "13800138000",
            "content": "您的验证码是123456，5分钟内有效。"
          }'
        """;

    private const string SendBatch = """
        curl -X POST http://localhost:8080/notification/sms/send-batch \
          -H "Content-Type: application/json" \
          -H "Authorization: Bearer your-token" \
          -d '{
            "phones": ["13800138000", "13800138001"],
            "content": "尊敬的家长，您的孩子今天表现优秀！"
          }'
        """;

    private const string SendTemplate = """
        curl -X POST http://localhost:8080/notification/sms/send-template \
          -H "Content-Type: application/json" \
          -H "Authorization: Bearer your-token" \
          -d '{
            "phone": "13800138000",
            "templateCode": "VERIFY_CODE",
            "params": {
              "code": "123456",
              "time": "5"
            }
          }'
        """;

    private const string Status = """
        curl -X GET http://localhost:8080/notification/sms/status/1001 \
          -H "Authorization: Bearer your-token"
        """;

    private const string Retry = """
        curl -X POST http://localhost:8080/notification/sms/retry/1001 \
          -H "Authorization: Bearer your-token"
        """;

    [Fact]
    public async Task CurlExamples_AnswerAsTheDocumentShows()
    {
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var token = client.DefaultRequestHeaders.Authorization!.Parameter!;

        var one = await CurlAsync(SendOne, token);
        Assert.Equal(200, one.GetProperty("code").GetInt32());
        Assert.Equal("操作成功", one.GetProperty("message").GetString());
        var data = one.GetProperty("data");
        Assert.Equal("13800138000", data.GetProperty("phone").GetString());
        Assert.Equal("success", data.GetProperty("status").GetString());
        foreach (var field in new[] { "logId", "thirdPartyId", "failReason", "sendTime", "cost" }) Assert.True(data.TryGetProperty(field, out _), field);
        var logId = data.GetProperty("logId").GetInt64();

        var batch = await CurlAsync(SendBatch, token);
        Assert.Equal(2, batch.GetProperty("data").GetProperty("total").GetInt32());
        Assert.Equal(2, batch.GetProperty("data").GetProperty("details").GetArrayLength());
        foreach (var field in new[] { "successCount", "failCount" }) Assert.True(batch.GetProperty("data").TryGetProperty(field, out _), field);

        var template = await CurlAsync(SendTemplate, token);
        Assert.Equal("success", template.GetProperty("data").GetProperty("status").GetString());

        var status = await CurlAsync(Status.Replace("1001", logId.ToString()), token);
        var statusData = status.GetProperty("data");
        Assert.Equal(logId, statusData.GetProperty("logId").GetInt64());
        Assert.Equal("success", statusData.GetProperty("status").GetString());
        foreach (var field in new[] { "phone", "sendTime", "failReason", "retryCount", "thirdPartyId", "thirdPartyStatus" }) Assert.True(statusData.TryGetProperty(field, out _), field);

        // The record was sent, so retrying it is refused with the documented code.
        var retry = await CurlAsync(Retry.Replace("1001", logId.ToString()), token);
        Assert.Equal(1004, retry.GetProperty("code").GetInt32());

        // And the document's own id, which does not exist in this tenant, is 1003.
        var missing = await CurlAsync(Status, token);
        Assert.Equal(1003, missing.GetProperty("code").GetInt32());
    }

    private async Task<JsonElement> CurlAsync(string example, string token)
    {
        var command = example.Replace("http://localhost:8080", app.BaseAddress.ToString().TrimEnd('/')).Replace("your-token", token);
        var psi = new ProcessStartInfo("bash", ["-c", command + " --silent --show-error"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl failed ({process.ExitCode}): {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
