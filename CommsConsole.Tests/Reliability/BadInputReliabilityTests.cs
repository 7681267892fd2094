using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CommsConsole.Data;
using CommsConsole.Features.Messaging;
using CommsConsole.Features.Templates;
using CommsConsole.Features.Tenancy;
using CommsConsole.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CommsConsole.Tests.Reliability;

/// <summary>
/// Malformed requests against every API endpoint: each must be answered with a 4xx in its family's envelope,
/// with a message, and must write nothing. Hostile text that is merely text may be accepted, but never with a 5xx.
/// The last test checks the server still answers after all of them.
/// </summary>
[Collection(AppCollection.Name)]
[TestCaseOrderer("CommsConsole.Tests.Reliability.RunLastReliabilityOrderer", "CommsConsole.Tests")]
public sealed class BadInputReliabilityTests(SharedApp app, ITestOutputHelper output)
{
    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";
    private const string Phone = "13800138000";
    private const string Script = "<script>alert('x')</script>";

    /// <summary>Who sends the request: a fresh user of a fresh tenant, the SystemAdmin, or nobody.</summary>
    private enum As { Integrator, Admin, SystemAdmin, Anonymous, BadToken }

    /// <param name="Body">Raw body; "{tenant}" is replaced by the caller's tenant id. Null sends no body.</param>
    /// <param name="Field">When set, the message must name this field.</param>
    private sealed record Case(string Method, string Path, string? Body, As Caller = As.Integrator, string ContentType = Json, int? Status = null, string? Field = null);

    private static string Bulk(string fields) => "{" + fields + "}";
    private static string Phones(int n) => "[" + string.Join(",", Enumerable.Range(0, n).Select(i => $"\"138{i:D8}\"")) + "]";
    private static string Q(string s) => JsonSerializer.Serialize(s);

    private const string EndlessLoop = "{% for i in (1..100000000) %}x{% endfor %}";
    private const string Doubling = "{% assign s = 'x' %}{% for i in (1..100) %}{% assign s = s | append: s %}{% endfor %}{{ s }}";
    private const string Include = "{% include 'x' %}";
    private static readonly string Nested = string.Concat(Enumerable.Repeat("{% if true %}", 1_000)) + "x" + string.Concat(Enumerable.Repeat("{% endif %}", 1_000));
    /// <summary>1,000 levels in under 20,000 characters, so the nesting limit is reached before the length limit.</summary>
    private static readonly string NestedCompact = string.Concat(Enumerable.Repeat("{%if 1%}", 1_000)) + "x" + string.Concat(Enumerable.Repeat("{%endif%}", 1_000));
    private static readonly string Huge = new('v', 10_000);
    private static readonly string DeepJson = new string('[', 100) + new string(']', 100);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // POST /communication/bulk
        ["bulk: broken JSON"] = new("POST", "/communication/bulk", """{"channel":"sms","content":"x","recipients":["13800138000"]"""),
        ["bulk: not JSON at all"] = new("POST", "/communication/bulk", "hello"),
        ["bulk: empty body"] = new("POST", "/communication/bulk", ""),
        ["bulk: JSON null"] = new("POST", "/communication/bulk", "null"),
        ["bulk: array for object"] = new("POST", "/communication/bulk", """[{"channel":"sms","content":"x","recipients":["13800138000"]}]"""),
        ["bulk: number for channel"] = new("POST", "/communication/bulk", Bulk("\"channel\":1,\"content\":\"x\",\"recipients\":[\"13800138000\"]")),
        ["bulk: number for content"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":42,\"recipients\":[\"13800138000\"]")),
        ["bulk: string for recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":\"13800138000\"")),
        ["bulk: object for recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":{\"a\":\"13800138000\"}")),
        ["bulk: numbers in recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[13800138000]")),
        ["bulk: array for variables"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"],\"variables\":[\"a\"]")),
        ["bulk: object variable value"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"],\"variables\":{\"a\":{\"b\":1}}")),
        ["bulk: JSON nested 100 deep"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"],\"variables\":{\"a\":" + DeepJson + "}")),
        ["bulk: missing channel"] = new("POST", "/communication/bulk", Bulk("\"content\":\"x\",\"recipients\":[\"13800138000\"]")),
        ["bulk: unknown channel"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"fax\",\"content\":\"x\",\"recipients\":[\"13800138000\"]")),
        ["bulk: missing recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\"")),
        ["bulk: missing content and template"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"recipients\":[\"13800138000\"]")),
        ["bulk: empty recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[]")),
        ["bulk: 10,001 recipients"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":" + Phones(10_001))),
        ["bulk: bad phone"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\",\"12345\"]")),
        ["bulk: script tag as phone"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[" + Q(Script) + "]")),
        ["bulk: bad email address"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":\"x\",\"recipients\":[\"not-an-email\"]")),
        ["bulk: email with two @"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":\"x\",\"recipients\":[\"alice@@example.com\"]")),
        ["bulk: script tag as email address"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":\"x\",\"recipients\":[" + Q(Script + "@example.com") + "]")),
        ["bulk: email without subject"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"content\":\"x\",\"recipients\":[\"alice@example.com\"]")),
        ["bulk: email subject 501 chars"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":" + Q(new string('s', 501)) + ",\"content\":\"x\",\"recipients\":[\"alice@example.com\"]")),
        ["bulk: empty content"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"\",\"recipients\":[\"13800138000\"]")),
        ["bulk: SMS 1,001 chars"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(new string('x', 1_001)) + ",\"recipients\":[\"13800138000\"]")),
        ["bulk: SMS over 1,000 chars after rendering"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"{{v}}{{v}}{{v}}\",\"recipients\":[\"13800138000\"],\"variables\":{\"v\":" + Q(new string('v', 400)) + "}")),
        ["bulk: 25,000-char template source"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":" + Q(new string('x', 25_000)) + ",\"recipients\":[\"alice@example.com\"]")),
        ["bulk: unknown template"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"template\":\"NO_SUCH_TEMPLATE\",\"recipients\":[\"13800138000\"]"), Status: 404),
        ["bulk: Liquid endless loop"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(EndlessLoop) + ",\"recipients\":[\"13800138000\"]")),
        ["bulk: Liquid nested 1,000 deep"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(Nested) + ",\"recipients\":[\"13800138000\"]")),
        ["bulk: Liquid nested 1,000 deep, compact tags"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(NestedCompact) + ",\"recipients\":[\"13800138000\"]")),
        ["send-template: 17,000 chars of Liquid tags in a param"] = new("POST", "/notification/sms/send-template", "{\"phone\":\"13800138000\",\"templateCode\":\"NOTIFY\",\"params\":{\"content\":" + Q(NestedCompact) + "}}"),
        ["bulk: Liquid doubling string"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":" + Q(Doubling) + ",\"recipients\":[\"alice@example.com\"]")),
        ["bulk: Liquid include"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(Include) + ",\"recipients\":[\"13800138000\"]")),
        ["bulk: Liquid unclosed tag"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"hi {% if x %}\",\"recipients\":[\"13800138000\"]")),
        ["bulk: variable value 10,000 chars"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":\"s\",\"content\":\"{{v}}\",\"recipients\":[\"alice@example.com\"],\"variables\":{\"v\":" + Q(Huge) + "}")),
        ["bulk: text/plain content type"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"]"), ContentType: "text/plain"),
        ["bulk: form content type"] = new("POST", "/communication/bulk", "channel=sms&content=x&recipients=13800138000", ContentType: "application/x-www-form-urlencoded"),
        ["bulk: no token"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"]"), As.Anonymous, Status: 401),
        ["bulk: garbage bearer token"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"]"), As.BadToken, Status: 401),
        ["bulk: on behalf of unknown user"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"13800138000\"],\"user_id\":\"no-such-user\""), As.Admin),

        // GET /communication/logs
        ["logs: page=-1"] = new("GET", "/communication/logs?page=-1", null),
        ["logs: page=0"] = new("GET", "/communication/logs?page=0", null),
        ["logs: page=99999999999"] = new("GET", "/communication/logs?page=99999999999", null),
        ["logs: page=2147483647 overflows offset"] = new("GET", "/communication/logs?page=2147483647&page_size=100", null),
        ["logs: page_size=0"] = new("GET", "/communication/logs?page_size=0", null),
        ["logs: page_size=101"] = new("GET", "/communication/logs?page_size=101", null),
        ["logs: page=abc"] = new("GET", "/communication/logs?page=abc", null),
        ["logs: page_size=abc"] = new("GET", "/communication/logs?page_size=abc", null),
        ["logs: page=1.5"] = new("GET", "/communication/logs?page=1.5", null),
        ["logs: channel=fax"] = new("GET", "/communication/logs?channel=fax", null),
        ["logs: status=lost"] = new("GET", "/communication/logs?status=lost", null),
        ["logs: no token"] = new("GET", "/communication/logs", null, As.Anonymous, Status: 401),

        // POST /notification/sms/send
        ["send: broken JSON"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":"x" """),
        ["send: array for object"] = new("POST", "/notification/sms/send", """[{"phone":"13800138000","content":"x"}]"""),
        ["send: number for phone"] = new("POST", "/notification/sms/send", """{"phone":13800138000,"content":"x"}"""),
        ["send: number for content"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":7}"""),
        ["send: string for receiverId"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":"x","receiverId":"abc"}"""),
        ["send: missing phone"] = new("POST", "/notification/sms/send", """{"content":"x"}"""),
        ["send: bad phone"] = new("POST", "/notification/sms/send", """{"phone":"12345","content":"x"}"""),
        ["send: script tag as phone"] = new("POST", "/notification/sms/send", "{\"phone\":" + Q(Script) + ",\"content\":\"x\"}"),
        ["send: empty content"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":""}"""),
        ["send: missing content"] = new("POST", "/notification/sms/send", """{"phone":"13800138000"}"""),
        ["send: SMS 1,001 chars"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":" + Q(new string('x', 1_001)) + "}"),
        ["send: Liquid endless loop"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":" + Q(EndlessLoop) + "}"),
        ["send: Liquid include"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":" + Q(Include) + "}"),
        ["send: Liquid nested 1,000 deep"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":" + Q(Nested) + "}"),
        ["send: text/plain content type"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":"x"}""", ContentType: "text/plain"),
        ["send: no token"] = new("POST", "/notification/sms/send", """{"phone":"13800138000","content":"x"}""", As.Anonymous, Status: 401),
        ["send: receiverName 201 chars"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":\"x\",\"receiverName\":" + Q(new string('r', 201)) + "}", Field: "receiverName"),
        ["send: bizType 65 chars"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":\"x\",\"bizType\":" + Q(new string('b', 65)) + "}", Field: "bizType"),
        ["send: remark 100,000 chars"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":\"x\",\"remark\":" + Q(new string('m', 100_000)) + "}", Field: "remark"),
        ["send-batch: remark 501 chars"] = new("POST", "/notification/sms/send-batch", "{\"phones\":[\"13800138000\"],\"content\":\"x\",\"remark\":" + Q(new string('m', 501)) + "}", Field: "remark"),
        ["send-batch: bizType 10,000 chars"] = new("POST", "/notification/sms/send-batch", "{\"phones\":[\"13800138000\"],\"content\":\"x\",\"bizType\":" + Q(Huge) + "}", Field: "bizType"),
        ["send-template: receiverName 10,000 chars"] = new("POST", "/notification/sms/send-template", "{\"phone\":\"13800138000\",\"templateCode\":\"NOTIFY\",\"params\":{\"content\":\"x\"},\"receiverName\":" + Q(Huge) + "}", Field: "receiverName"),

        // POST /notification/sms/send-batch
        ["send-batch: broken JSON"] = new("POST", "/notification/sms/send-batch", """{"phones":["13800138000"],"content":"x"""),
        ["send-batch: string for phones"] = new("POST", "/notification/sms/send-batch", """{"phones":"13800138000","content":"x"}"""),
        ["send-batch: numbers in phones"] = new("POST", "/notification/sms/send-batch", """{"phones":[13800138000],"content":"x"}"""),
        ["send-batch: empty phones"] = new("POST", "/notification/sms/send-batch", """{"phones":[],"content":"x"}"""),
        ["send-batch: 1,001 phones"] = new("POST", "/notification/sms/send-batch", "{\"phones\":" + Phones(1_001) + ",\"content\":\"x\"}"),
        ["send-batch: one bad phone"] = new("POST", "/notification/sms/send-batch", """{"phones":["13800138000","bad"],"content":"x"}"""),
        ["send-batch: blank content"] = new("POST", "/notification/sms/send-batch", """{"phones":["13800138000"],"content":"  "}"""),
        ["send-batch: Liquid doubling string"] = new("POST", "/notification/sms/send-batch", "{\"phones\":[\"13800138000\"],\"content\":" + Q(Doubling) + "}"),
        ["send-batch: form content type"] = new("POST", "/notification/sms/send-batch", "phones=13800138000&content=x", ContentType: "application/x-www-form-urlencoded"),

        // POST /notification/sms/send-template
        ["send-template: missing templateCode"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000"}"""),
        ["send-template: unknown template"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","templateCode":"NOPE"}""", Status: 404),
        ["send-template: number for templateCode"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","templateCode":5}"""),
        ["send-template: phone and phones"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","phones":["13800138001"],"templateCode":"NOTIFY"}"""),
        ["send-template: neither phone nor phones"] = new("POST", "/notification/sms/send-template", """{"templateCode":"NOTIFY","params":{"content":"x"}}"""),
        ["send-template: array for params"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","templateCode":"NOTIFY","params":["x"]}"""),
        ["send-template: object param value"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","templateCode":"NOTIFY","params":{"content":{"a":1}}}"""),
        ["send-template: param 10,000 chars"] = new("POST", "/notification/sms/send-template", "{\"phone\":\"13800138000\",\"templateCode\":\"VERIFY_CODE\",\"params\":{\"code\":" + Q(Huge) + ",\"time\":\"5\"}}"),
        ["send-template: 1,001 phones"] = new("POST", "/notification/sms/send-template", "{\"phones\":" + Phones(1_001) + ",\"templateCode\":\"NOTIFY\",\"params\":{\"content\":\"x\"}}"),
        ["send-template: SMS over 1,000 chars after rendering"] = new("POST", "/notification/sms/send-template", "{\"phone\":\"13800138000\",\"templateCode\":\"NOTIFY\",\"params\":{\"content\":" + Q(new string('n', 1_001)) + "}}"),
        ["send-template: broken JSON"] = new("POST", "/notification/sms/send-template", """{"phone":"13800138000","templateCode":"""),

        // GET /notification/sms/status/{id}
        ["status: non-numeric id"] = new("GET", "/notification/sms/status/abc", null),
        ["status: negative id"] = new("GET", "/notification/sms/status/-1", null),
        ["status: id overflowing long"] = new("GET", "/notification/sms/status/99999999999999999999999", null),
        ["status: log_ prefix without number"] = new("GET", "/notification/sms/status/log_abc", null),
        ["status: no such record"] = new("GET", "/notification/sms/status/999999999", null, Status: 404),
        ["status: no token"] = new("GET", "/notification/sms/status/1", null, As.Anonymous, Status: 401),

        // POST /notification/sms/retry/{id}
        ["retry: non-numeric id"] = new("POST", "/notification/sms/retry/abc", "{}"),
        ["retry: negative id"] = new("POST", "/notification/sms/retry/-5", "{}"),
        ["retry: fractional id"] = new("POST", "/notification/sms/retry/1.5", "{}"),
        ["retry: no such record"] = new("POST", "/notification/sms/retry/999999999", "{}", Status: 404),

        // POST /auth/token
        ["token: broken JSON"] = new("POST", "/auth/token", """{"email":"a@b.c","password":""", As.Anonymous),
        ["token: empty object"] = new("POST", "/auth/token", "{}", As.Anonymous),
        ["token: number for email"] = new("POST", "/auth/token", """{"email":5,"password":"x"}""", As.Anonymous),
        ["token: array for object"] = new("POST", "/auth/token", """[{"email":"a@b.c","password":"x"}]""", As.Anonymous),
        ["token: wrong password"] = new("POST", "/auth/token", "{\"email\":" + Q(AppFactory.AdminEmail) + ",\"password\":\"wrong-password\"}", As.Anonymous, Status: 401),
        ["token: script tag as email"] = new("POST", "/auth/token", "{\"email\":" + Q(Script) + ",\"password\":\"x\"}", As.Anonymous),
        ["token: text/plain content type"] = new("POST", "/auth/token", """{"email":"a@b.c","password":"x"}""", As.Anonymous, ContentType: "text/plain"),

        // POST /admin/tenants
        ["tenants: broken JSON"] = new("POST", "/admin/tenants", """{"name":""", As.SystemAdmin),
        ["tenants: missing name"] = new("POST", "/admin/tenants", "{}", As.SystemAdmin),
        ["tenants: blank name"] = new("POST", "/admin/tenants", """{"name":"  "}""", As.SystemAdmin),
        ["tenants: number for name"] = new("POST", "/admin/tenants", """{"name":12}""", As.SystemAdmin),
        ["tenants: name 10,000 chars"] = new("POST", "/admin/tenants", "{\"name\":" + Q(Huge) + "}", As.SystemAdmin, Field: "name"),
        ["tenants: name 201 chars"] = new("POST", "/admin/tenants", "{\"name\":" + Q(new string('t', 201)) + "}", As.SystemAdmin, Field: "name"),
        ["tenants: as tenant Admin"] = new("POST", "/admin/tenants", """{"name":"not allowed"}""", As.Admin, Status: 403),
        ["tenants: text/plain content type"] = new("POST", "/admin/tenants", """{"name":"plain"}""", As.SystemAdmin, ContentType: "text/plain"),

        // POST /admin/users
        ["users: broken JSON"] = new("POST", "/admin/users", """{"email":"x@tests.local","password":""", As.Admin),
        ["users: bad email"] = new("POST", "/admin/users", """{"email":"not-an-email","password":"User-Passw0rd!","role":"Marketer","tenant_id":"{tenant}"}""", As.Admin),
        ["users: script tag as email"] = new("POST", "/admin/users", "{\"email\":" + Q(Script) + ",\"password\":\"User-Passw0rd!\",\"role\":\"Marketer\",\"tenant_id\":\"{tenant}\"}", As.Admin),
        ["users: short password"] = new("POST", "/admin/users", """{"email":"short@tests.local","password":"short","role":"Marketer","tenant_id":"{tenant}"}""", As.Admin),
        ["users: unknown role"] = new("POST", "/admin/users", """{"email":"emperor@tests.local","password":"User-Passw0rd!","role":"Emperor","tenant_id":"{tenant}"}""", As.Admin),
        ["users: number for role"] = new("POST", "/admin/users", """{"email":"num@tests.local","password":"User-Passw0rd!","role":3,"tenant_id":"{tenant}"}""", As.Admin),
        ["users: array for email"] = new("POST", "/admin/users", """{"email":["a@tests.local"],"password":"User-Passw0rd!","role":"Marketer","tenant_id":"{tenant}"}""", As.Admin),
        ["users: email 10,000 chars"] = new("POST", "/admin/users", "{\"email\":" + Q(Huge + "@tests.local") + ",\"password\":\"User-Passw0rd!\",\"role\":\"Marketer\",\"tenant_id\":\"{tenant}\"}", As.Admin, Field: "email"),
        ["users: missing fields"] = new("POST", "/admin/users", "{}", As.SystemAdmin),
        ["users: unknown tenant"] = new("POST", "/admin/users", """{"email":"lost@tests.local","password":"User-Passw0rd!","role":"Marketer","tenant_id":"no-such-tenant"}""", As.SystemAdmin),
        ["users: Admin creating a SystemAdmin"] = new("POST", "/admin/users", """{"email":"up@tests.local","password":"User-Passw0rd!","role":"SystemAdmin","tenant_id":"{tenant}"}""", As.Admin),
        ["users: as Integrator"] = new("POST", "/admin/users", """{"email":"i@tests.local","password":"User-Passw0rd!","role":"Marketer","tenant_id":"{tenant}"}""", As.Integrator, Status: 403),

        // GET /admin/users
        ["list users: no token"] = new("GET", "/admin/users", null, As.Anonymous, Status: 401),
        ["list users: garbage bearer token"] = new("GET", "/admin/users", null, As.BadToken, Status: 401),
        ["list users: as Integrator"] = new("GET", "/admin/users", null, As.Integrator, Status: 403),

        // PUT, GET and DELETE /admin/providers
        ["providers: broken JSON"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"submail","app_id":""", As.Admin),
        ["providers: empty body"] = new("PUT", "/admin/providers/sms/primary", "{}", As.Admin),
        ["providers: array for kind"] = new("PUT", "/admin/providers/sms/primary", """{"kind":["submail"]}""", As.Admin),
        ["providers: number for app_id"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"submail","app_id":10001,"app_key":"k"}""", As.Admin),
        ["providers: text for port"] = new("PUT", "/admin/providers/email/primary", """{"kind":"smtp","host":"h","port":"twenty-five","from_address":"a@example.com"}""", As.Admin),
        ["providers: SMTP for SMS"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"smtp","host":"h","from_address":"a@example.com"}""", As.Admin),
        ["providers: unknown channel"] = new("PUT", "/admin/providers/fax/primary", """{"kind":"simulated"}""", As.Admin),
        ["providers: unknown role"] = new("PUT", "/admin/providers/sms/tertiary", """{"kind":"simulated"}""", As.Admin),
        ["providers: script tag as base_url"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\",\"base_url\":" + Q(Script) + "}", As.Admin),
        ["providers: app_id 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_key\":\"k\",\"app_id\":" + Q(Huge) + "}", As.Admin),
        ["providers: SMTP host 10,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"from_address\":\"a@example.com\",\"host\":" + Q(Huge) + "}", As.Admin),
        ["providers: SMTP host 254 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"from_address\":\"a@example.com\",\"host\":" + Q(new string('h', 254)) + "}", As.Admin),
        ["providers: SMTP host with spaces"] = new("PUT", "/admin/providers/email/primary", """{"kind":"smtp","from_address":"a@example.com","host":"mail example com"}""", As.Admin),
        ["providers: from_name 100,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":\"a@example.com\",\"from_name\":" + Q(new string('n', 100_000)) + "}", As.Admin),
        ["providers: from_address 10,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":" + Q(Huge + "@example.com") + "}", As.Admin),
        ["providers: user_name 10,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":\"a@example.com\",\"user_name\":" + Q(Huge) + "}", As.Admin),
        ["providers: password 10,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":\"a@example.com\",\"password\":" + Q(Huge) + "}", As.Admin),
        ["providers: security 10,000 chars"] = new("PUT", "/admin/providers/email/primary", "{\"kind\":\"smtp\",\"host\":\"h\",\"from_address\":\"a@example.com\",\"security\":" + Q(Huge) + "}", As.Admin),
        ["providers: base_url 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\",\"base_url\":" + Q("https://example.com/" + Huge) + "}", As.Admin),
        ["providers: app_key 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":" + Q(Huge) + "}", As.Admin),
        ["providers: subhook_key 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\",\"subhook_key\":" + Q(Huge) + "}", As.Admin),
        ["providers: sign_type 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\",\"sign_type\":" + Q(Huge) + "}", As.Admin),
        ["providers: signature 10,000 chars"] = new("PUT", "/admin/providers/sms/primary", "{\"kind\":\"submail\",\"app_id\":\"1\",\"app_key\":\"k\",\"signature\":" + Q("【" + Huge + "】") + "}", As.Admin),
        ["providers: negative price"] = new("PUT", "/admin/providers/sms/fallback", """{"kind":"submail","app_id":"1","app_key":"k","unit_price":-0.01}""", As.Admin),
        ["providers: another tenant as Admin"] = new("PUT", "/admin/providers/sms/primary?tenant_id=tnt_elsewhere", """{"kind":"simulated"}""", As.Admin, Status: 403),
        ["providers: as Integrator"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"simulated"}""", As.Integrator, Status: 403),
        ["providers: no token"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"simulated"}""", As.Anonymous, Status: 401),
        ["providers: text/plain content type"] = new("PUT", "/admin/providers/sms/primary", """{"kind":"simulated"}""", As.Admin, ContentType: "text/plain", Status: 415),
        ["list providers: as Integrator"] = new("GET", "/admin/providers", null, As.Integrator, Status: 403),
        ["list providers: unknown tenant"] = new("GET", "/admin/providers?tenant_id=tnt_missing", null, As.SystemAdmin, Status: 404),
        ["remove provider: nothing configured"] = new("DELETE", "/admin/providers/email/fallback", null, As.Admin, Status: 404),
        ["remove provider: unknown role"] = new("DELETE", "/admin/providers/email/backup", null, As.Admin, Status: 400),

        // POST /webhooks/submail/{tenant}
        ["tenant subhook: unsigned"] = new("POST", "/webhooks/submail/{tenant}", """{"events":"delivered","send_id":"x","token":"t"}""", As.Anonymous, Status: 401),
        ["tenant subhook: signed with a guess"] = new("POST", "/webhooks/submail/{tenant}", """{"events":"delivered","send_id":"x","token":"t","signature":"00000000000000000000000000000000"}""", As.Anonymous, Status: 401),
        ["tenant subhook: broken JSON"] = new("POST", "/webhooks/submail/{tenant}", """{"events":""", As.Anonymous),
        ["tenant subhook: 3 KB form key"] = new("POST", "/webhooks/submail/{tenant}", new string('k', 3_072) + "=1&events=delivered", As.Anonymous, Form, Status: 400),
        ["tenant subhook: 1,100 form fields"] = new("POST", "/webhooks/submail/{tenant}", string.Join("&", Enumerable.Range(0, 1_100).Select(i => $"f{i}=1")), As.Anonymous, Form, Status: 400),
        ["subhook: signed, dated 1970"] = new("POST", "/webhooks/submail", $"events=dropped&send_id=x&timestamp=1&token=t19&signature={Subhook.Sign("t19")}", As.Anonymous, Form, Status: 400),
        ["subhook: signed, no timestamp"] = new("POST", "/webhooks/submail", $"events=mo&address=13800138000&content=TD&token=t20&signature={Subhook.Sign("t20")}", As.Anonymous, Form, Status: 400),
        ["subhook: signed, 100-char token"] = new("POST", "/webhooks/submail", $"events=mo&address=13800138000&content=TD&token={new string('t', 100)}&signature={Subhook.Sign(new string('t', 100))}", As.Anonymous, Form, Status: 400),
        ["send: full-width digits mixed with ASCII"] = new("POST", "/notification/sms/send", """{"phone":"１３８00138000","content":"x"}"""),
        ["send-batch: Arabic-Indic digits mixed with full-width"] = new("POST", "/notification/sms/send-batch", """{"phones":["١٣٨٠٠١٣８０００"],"content":"x"}"""),
        ["bulk: digits with a letter"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"x\",\"recipients\":[\"１３８００１３８０００a\"]")),

        // Paths and methods no endpoint serves, in each family
        ["unknown path: POST /communication/newsletters"] = new("POST", "/communication/newsletters", "{}", Status: 404, Field: "path"),
        ["unknown path: GET /notification/sms/nothing"] = new("GET", "/notification/sms/nothing", null, Status: 404, Field: "path"),
        ["unknown path: POST /webhooks/endpoints/1/nothing"] = new("POST", "/webhooks/endpoints/1/nothing", "{}", As.Anonymous, Status: 404, Field: "path"),
        ["webhooks: no token"] = new("POST", "/webhooks/endpoints", """{"url":"https://hooks.example.com/x","events":["message.sent"]}""", As.Anonymous, Status: 401),
        ["webhooks: an integrator"] = new("POST", "/webhooks/endpoints", """{"url":"https://hooks.example.com/x","events":["message.sent"]}""", Status: 403),
        ["webhooks: empty object"] = new("POST", "/webhooks/endpoints", "{}", As.Admin, Field: "url"),
        ["webhooks: url 10,000 chars"] = new("POST", "/webhooks/endpoints", "{\"url\":" + Q("https://hooks.example.com/" + Huge) + ",\"events\":[\"message.sent\"]}", As.Admin, Field: "url"),
        ["webhooks: script tag as event"] = new("POST", "/webhooks/endpoints", "{\"url\":\"https://hooks.example.com/x\",\"events\":[" + Q(Script) + "]}", As.Admin, Field: "events"),
        ["unknown path: GET /admin/nothing"] = new("GET", "/admin/nothing", null, As.Admin, Status: 404, Field: "path"),
        ["wrong method: GET /auth/token"] = new("GET", "/auth/token", null, As.Anonymous, Status: 405, Field: "method"),
    };

    public static TheoryData<string> BadRequests => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(BadRequests))]
    public Task BadRequest_Is4xxInItsEnvelope_AndWritesNothing(string name) => AssertRefusedAsync(name);

    private async Task AssertRefusedAsync(string name)
    {
        var c = Cases[name];
        var (client, tenant) = await CallerAsync(c.Caller);
        using (client)
        {
            var before = await CountAsync();
            var (status, text, mediaType) = await SendAsync(client, c, tenant);
            output.WriteLine($"{name}: {(int)status} {Truncate(text)}");

            Assert.True((int)status is >= 400 and < 500, $"{name}: expected a 4xx, got {(int)status}: {Truncate(text)}");
            if (c.Status is { } expected) Assert.Equal(expected, (int)status);
            Assert.True(mediaType == Json, $"{name}: expected a JSON body, got '{mediaType}': {Truncate(text)}");
            var body = JsonDocument.Parse(text).RootElement;
            Assert.Equal(JsonValueKind.Number, body.GetProperty("code").ValueKind);
            var code = body.GetProperty("code").GetInt32();
            Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()), $"{name}: empty message");
            if (c.Field is { } field) Assert.StartsWith(field + ":", body.GetProperty("message").GetString());
            if (c.Path.StartsWith("/notification/", StringComparison.Ordinal))
            {
                Assert.True(code == (int)status || code is >= 1001 and <= 1005, $"{name}: code {code} is neither the HTTP status nor a business code");
                Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
            }
            else
            {
                Assert.Equal((int)status, code);
                Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("timestamp").GetString()), $"{name}: no timestamp");
            }

            Assert.Equal(before, await CountAsync());
            Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/health")).StatusCode);
        }
    }

    /// <summary>Hostile text that is still just text: accepted or refused, but never a 5xx, and stored verbatim when accepted.</summary>
    private static readonly Dictionary<string, Case> Tolerated = new()
    {
        ["bulk: script tag in SMS content"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":" + Q(Script) + ",\"recipients\":[\"13800138000\"]")),
        ["bulk: script tag in email subject and body"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"email\",\"subject\":" + Q(Script) + ",\"content\":" + Q(Script) + ",\"recipients\":[\"alice@example.com\"]")),
        ["bulk: script tag in a variable value"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"{{v}}\",\"recipients\":[\"13800138000\"],\"variables\":{\"v\":" + Q(Script) + "}")),
        ["bulk: lone surrogate in content"] = new("POST", "/communication/bulk", Bulk("\"channel\":\"sms\",\"content\":\"a\\uD800b\",\"recipients\":[\"13800138000\"]")),
        ["send: script tag in content, receiverName and remark"] = new("POST", "/notification/sms/send", "{\"phone\":\"13800138000\",\"content\":" + Q(Script) + ",\"receiverName\":" + Q(Script) + ",\"remark\":" + Q(Script) + "}"),
        ["send-batch: script tag in content"] = new("POST", "/notification/sms/send-batch", "{\"phones\":[\"13800138000\"],\"content\":" + Q(Script) + ",\"remark\":" + Q(Script) + "}"),
        ["send-template: script tag in params"] = new("POST", "/notification/sms/send-template", "{\"phone\":\"13800138000\",\"templateCode\":\"NOTIFY\",\"params\":{\"content\":" + Q(Script) + "}}"),
        ["tenants: script tag in name"] = new("POST", "/admin/tenants", "{\"name\":" + Q(Script + Guid.NewGuid().ToString("N")[..6]) + "}", As.SystemAdmin),
    };

    public static TheoryData<string> HostileText => new(Tolerated.Keys);

    [Theory]
    [MemberData(nameof(HostileText))]
    public async Task HostileText_IsNever5xx_AndIsStoredAsText(string name)
    {
        var c = Tolerated[name];
        var (client, tenant) = await CallerAsync(c.Caller);
        using (client)
        {
            var (status, text, mediaType) = await SendAsync(client, c, tenant);
            output.WriteLine($"{name}: {(int)status} {Truncate(text)}");
            Assert.True((int)status < 500, $"{name}: got {(int)status}: {Truncate(text)}");
            Assert.Equal(Json, mediaType);
            if ((int)status >= 300 || !c.Body!.Contains("script", StringComparison.Ordinal)) return;

            using var db = app.Db();
            if (c.Path.StartsWith("/admin/tenants", StringComparison.Ordinal))
            {
                Assert.True(await db.Tenants.AnyAsync(t => t.Name.StartsWith(Script)), $"{name}: tenant name not stored verbatim");
                return;
            }
            var rows = await db.Messages.Where(m => m.TenantId == tenant).ToListAsync();
            Assert.NotEmpty(rows);
            Assert.All(rows, m => Assert.Contains(Script, m.Content + m.Subject + m.ReceiverName + m.Remark));
        }
    }

    /// <summary>Templates are edited in the console; the service behind it bounds every field it stores and names it.</summary>
    [Theory]
    [InlineData("code")]
    [InlineData("name")]
    [InlineData("subject")]
    [InlineData("body")]
    public async Task Template_WithAFieldOverItsLimit_IsRefusedNamingIt(string field)
    {
        var tenant = await app.CreateTenantAsync();
        var caller = new Caller("usr_test_admin", tenant, Roles.Admin);
        var input = new TemplateInput("LONG_" + Guid.NewGuid().ToString("N")[..6], "name", Channel.Email, "subject", "body");
        input = field switch
        {
            "code" => input with { Code = new string('C', Template.MaxCode + 1) },
            "name" => input with { Name = new string('n', Template.MaxName + 1) },
            "subject" => input with { Subject = new string('s', Template.MaxSubject + 1) },
            _ => input with { Body = new string('b', Template.MaxBody + 1) },
        };
        using var scope = app.Services.CreateScope();
        var templates = scope.ServiceProvider.GetRequiredService<TemplateService>();
        var before = await CountAsync();
        var created = await templates.CreateAsync(input, caller, CancellationToken.None);
        Assert.False(created.IsOk);
        Assert.StartsWith(field + ":", created.Error!.Message);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task ServerStillAnswers_AfterTheWholeSuite()
    {
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/health")).StatusCode);
        var tenant = await app.CreateTenantAsync();
        var (client, _) = await app.UserAsync(Roles.Integrator, tenant);
        var (status, body) = await client.PostAsync("/notification/sms/send", new { phone = Phone, content = "still alive" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, body.Int("code"));
        Assert.Equal("success", body.GetProperty("data").Str("status"));
        output.WriteLine($"{Cases.Count} malformed requests and {Tolerated.Count} hostile texts checked; the server still sends");
    }

    [Fact]
    public void TheSuiteCoversAtLeastSixtyMalformedRequestsOnEveryEndpoint()
    {
        Assert.True(Cases.Count >= 60, $"only {Cases.Count} cases");
        string[] endpoints =
        [
            "POST /communication/bulk", "GET /communication/logs", "POST /notification/sms/send", "POST /notification/sms/send-batch",
            "POST /notification/sms/send-template", "GET /notification/sms/status/", "POST /notification/sms/retry/", "POST /auth/token",
            "POST /admin/tenants", "POST /admin/users", "GET /admin/users", "PUT /admin/providers/", "GET /admin/providers",
            "DELETE /admin/providers/", "POST /webhooks/submail/", "POST /webhooks/endpoints",
        ];
        foreach (var endpoint in endpoints)
        {
            Assert.Contains(Cases.Values, c => (c.Method + " " + c.Path).StartsWith(endpoint, StringComparison.Ordinal)
                && ((c.Method + " " + c.Path).Length == endpoint.Length || endpoint.EndsWith('/') || !char.IsLetter((c.Method + " " + c.Path)[endpoint.Length])));
        }
    }

    private async Task<(HttpClient Client, string Tenant)> CallerAsync(As caller)
    {
        switch (caller)
        {
            case As.Anonymous:
                return (app.Anonymous(), await app.CreateTenantAsync());
            case As.BadToken:
                var bad = app.Anonymous();
                bad.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not.a.token");
                return (bad, "");
            case As.SystemAdmin:
                return (await app.AdminAsync(), await app.CreateTenantAsync());
            default:
                var tenant = await app.CreateTenantAsync();
                var (client, _) = await app.UserAsync(caller == As.Admin ? Roles.Admin : Roles.Integrator, tenant);
                return (client, tenant);
        }
    }

    private static async Task<(HttpStatusCode Status, string Text, string? MediaType)> SendAsync(HttpClient client, Case c, string tenant)
    {
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{tenant}", tenant));
        if (c.Body is not null)
        {
            request.Content = new StringContent(c.Body.Replace("{tenant}", tenant), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(c.ContentType) { CharSet = "utf-8" };
        }
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Rows a request could write: messages, batches, tenants, users, templates, provider accounts, SMS replies and webhook tokens, across the database.</summary>
    private async Task<(int Messages, int Batches, int Tenants, int Users, int Templates, int Providers, int Replies, int Tokens)> CountAsync()
    {
        using var db = app.Db();
        return (await db.Messages.CountAsync(), await db.Batches.CountAsync(), await db.Tenants.CountAsync(), await db.Users.CountAsync(),
            await db.Templates.CountAsync(), await db.ProviderAccounts.CountAsync(), await db.InboundReplies.CountAsync(), await db.SeenWebhookTokens.CountAsync());
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
