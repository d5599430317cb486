import Foundation
import Testing

@testable import Spec

/// The built-in channel kinds read into the model the format table describes; secrets keep their values out of
/// the model's JSON, and a webhook channel's JSON is what it was before the kinds existed.
@Suite struct NotifyChannelTests {
    @Test func everyKindReadsItsFields() throws {
        let result = Fixtures.load("good", "notify_channels.good.yaml", environment: GoodFixtureTests.fullEnvironment)
        let spec = try #require(result.spec, "\(result.diagnostics.map(\.description))")
        let byName = Dictionary(uniqueKeysWithValues: spec.notify.map { ($0.name, $0) })

        let mail = try #require(byName["mail"])
        #expect(mail.format == .email && mail.webhook.isEmpty && mail.headers.isEmpty)
        #expect(mail.text("server") == "smtp.example.com" && mail.text("security") == nil)
        #expect(mail.secret("password") == "smtp-secret" && mail.text("username") == "alerts@example.com")
        #expect(mail.list("to") == ["ops@example.com", "oncall@example.com"])
        #expect(EmailAddress(mail.text("from") ?? "")?.address == "alerts@example.com")

        #expect(byName["chat"]?.secret("url") == "https://discord.com/api/webhooks/1/discord-secret")
        #expect(byName["teams"]?.format == .teams)
        let phone = try #require(byName["phone"])
        #expect(phone.text("url") == "https://ntfy.sh/sms-alerts" && phone.secret("token") == "tk_0123456789")
        #expect(phone.settings["token"] == .secret(Secret(source: .file("secrets/ntfy.token"), value: "tk_0123456789")))
        #expect(
            byName["tg"]?.text("chat_id") == "-1001234567890"
                && byName["tg"]?.secret("bot_token") == "123456:telegram-secret")
        #expect(byName["pager"]?.secret("routing_key") == "pagerduty-secret")

        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        for secret in GoodFixtureTests.fullEnvironment.values + ["tk_0123456789"] {
            #expect(!json.contains(secret), "the model's JSON holds a secret")
        }
        let decoded = try JSONDecoder().decode(Spec.self, from: Data(json.utf8))
        #expect(decoded.notify.map(\.format) == spec.notify.map(\.format))
        #expect(decoded.notify[0].settings["to"] == .list(["ops@example.com", "oncall@example.com"]))
    }

    @Test func aWebhookChannelEncodesWithoutSettings() throws {
        let channel = NotifyChannel(name: "ops", webhook: "https://hooks.example.com/sms")
        let json = String(decoding: try JSONEncoder().encode(channel), as: UTF8.self)
        #expect(!json.contains("settings"))
        // A file written before the kinds existed still decodes.
        let old = #"{"name":"ops","webhook":"https://hooks.example.com/sms","headers":{},"format":"slack"}"#
        let decoded = try JSONDecoder().decode(NotifyChannel.self, from: Data(old.utf8))
        #expect(decoded.format == .slack && decoded.settings.isEmpty)
    }

    @Test func aSecretFromTheEnvironmentIsNeverQuoted() {
        let yaml = specYAML(
            """
            notify:
              - name: chat
                discord:
                  url: ${SMS_DISCORD_URL}
            """)
        let result = SpecLoader.load(
            yaml: yaml, file: "inline.yaml", environment: ["SMS_DISCORD_URL": "ftp://discord.com/api/webhooks/1/leak"])
        let text = result.diagnostics.map(\.description).joined(separator: "\n")
        #expect(result.hasErrors && text.contains("notify[0].discord.url") && !text.contains("leak"), "\(text)")
    }

    @Test("a password from an unset variable is one error, about the variable")
    func anUnsetPasswordVariableIsOneError() {
        let yaml = specYAML(
            """
            notify:
              - name: mail
                email:
                  server: smtp.example.com
                  username: alerts@example.com
                  password: ${SMS_UNSET_PASSWORD}
                  from: alerts@example.com
                  to: ops@example.com
            """)
        let result = SpecLoader.load(yaml: yaml, file: "inline.yaml", environment: [:])
        #expect(result.errors.map(\.path) == ["notify[0].email.password"], "\(result.diagnostics.map(\.description))")
    }

    @Test(arguments: [
        ("alerts@example.com", "alerts@example.com"), ("sms <alerts@example.com>", "alerts@example.com"),
        ("root@localhost", "root@localhost"),
    ])
    func addressesParse(_ written: String, _ address: String) {
        #expect(EmailAddress(written)?.address == address)
    }

    @Test(arguments: ["ops", "a@b@c", "x <a@b.c", "a@b.c\r\nBcc: evil@x.y", "\"q\" <a@b.c>", "a b@c.d"])
    func nonAddressesAreRefused(_ written: String) {
        #expect(EmailAddress(written) == nil)
    }

    @Test func serversParse() {
        #expect(SMTPServerAddress("smtp.example.com") == SMTPServerAddress(host: "smtp.example.com", port: nil))
        #expect(SMTPServerAddress("127.0.0.1:2525")?.port == 2525)
        #expect(SMTPServerAddress("[::1]:25")?.host == "::1")
        #expect(SMTPServerAddress("smtp.example.com:0") == nil && SMTPServerAddress("a b:25") == nil)
    }
}
